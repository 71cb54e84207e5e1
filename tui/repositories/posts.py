"""Posts: keyset lists with filters and full-text search, unique slugs, tags by name.

Lists are read from the Core tables; the ORM models load with the first create or update."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    delete,
    false,
    func,
    insert,
    literal_column,
    select,
    text,
    type_coerce,
)

from tui.db import tables
from tui.db.tables import post_tags, utcnow
from tui.repositories.base import AnyRow, Impact, Query, Repository, affected_rows, clean_search
from tui.repositories.errors import FieldErrors, NotFoundError, StaleRecordError
from tui.repositories.slugs import slugify, unique_slug
from tui.schemas.errors import parse
from tui.schemas.posts import PostCreate, PostUpdate

_posts = tables.posts
_tags = tables.tags
_users = tables.users


@dataclass(frozen=True, slots=True)
class PostRow:
    """One post as listed: the author's username and the tag names (sorted), no content."""

    id: int
    title: str
    slug: str
    author_id: int
    author: str
    is_published: bool
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class PostDetail(PostRow):
    """One post with its content."""

    content: str = ""


_AUTHOR = (
    select(_users.c.username)
    .where(_users.c.id == _posts.c.author_id)
    .scalar_subquery()
    .label("author")
)


def _tag_names_column(aggregate: Any) -> Any:
    """The post's tag names as one JSON array, aggregated inside the page query (index
    lookups per row in the same statement: no extra round trip, never a query per row)."""
    name = select(_tags.c.name).where(_tags.c.id == post_tags.c.tag_id).scalar_subquery()
    names = select(aggregate(name)).where(post_tags.c.post_id == _posts.c.id).scalar_subquery()
    return type_coerce(names, String).label("tags")


_TAGS = {
    "sqlite": _tag_names_column(func.json_group_array),
    "postgresql": _tag_names_column(func.json_agg),
}


def _row_columns(dialect: str) -> tuple[Any, ...]:
    """The list columns, in `PostRow` field order."""
    return (
        _posts.c.id,
        _posts.c.title,
        _posts.c.slug,
        _posts.c.author_id,
        _AUTHOR,
        _posts.c.is_published,
        _TAGS[dialect],
        _posts.c.created_at,
        _posts.c.updated_at,
        _posts.c.version,
    )


_ROW_COLUMNS = {dialect: _row_columns(dialect) for dialect in _TAGS}
_TAGS_AT = 6


def _names(value: str | list[str] | None) -> tuple[str, ...]:
    """Sorted names from the JSON array (text on SQLite; decoded already by asyncpg)."""
    if not value:
        return ()
    if isinstance(value, str):
        return _names_from_json(value)
    return tuple(sorted(value))


@lru_cache(maxsize=4096)
def _names_from_json(text: str) -> tuple[str, ...]:
    # Posts share tag sets, so a page decodes few distinct arrays.
    return tuple(sorted(json.loads(text)))


def _post_row(row: Sequence[Any], kind: type[PostRow] = PostRow) -> Any:
    values = list(row)
    values[_TAGS_AT] = _names(values[_TAGS_AT])
    return kind(*values)


def fts5_query(search: str) -> str | None:
    """A safe FTS5 query: every word becomes a quoted prefix term (``"word"*``), all required.

    Quoting makes ``"``, ``*``, ``-``, ``AND``, ``NEAR``, ``:`` … plain text; words without
    a letter or digit are dropped. ``None`` when no word is left.
    """
    terms = [
        '"' + word.replace('"', '""') + '"*'
        for word in search.split()
        if any(ch.isalnum() for ch in word)
    ]
    return " ".join(terms) or None


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on", "published"):
            return True
        if lowered in ("0", "false", "no", "off", "draft"):
            return False
        raise ValueError(f"published filter must be true or false, not {value!r}")
    return bool(value)


class PostRepository(Repository[PostRow]):
    """Posts. Filters: ``author_id`` (int), ``tag`` (a name, or an int id), ``published``
    (bool). Search: full text over title and content (SQLite FTS5 ``posts_fts``;
    PostgreSQL ``search_vector`` with ``websearch_to_tsquery('simple', …)``)."""

    table = _posts
    kind = "post"
    sortable = {
        "id": _posts.c.id,
        "title": _posts.c.title,
        "slug": _posts.c.slug,
        "created_at": _posts.c.created_at,
        "is_published": _posts.c.is_published,
        "author_id": _posts.c.author_id,
    }
    filter_names = frozenset({"author_id", "tag", "published"})
    unique_sorts = frozenset({"slug"})
    integrity_columns = {"posts.slug": "slug", "tags.name": "tags", "posts.author_id": "author_id"}
    integrity_constraints = {
        "uq_posts_slug": "slug",
        "uq_tags_name": "tags",
        "fk_posts_author_id_users": "author_id",
    }
    integrity_messages = {
        "slug": "already used by another post",
        "author_id": "no such user",
        "tags": "a tag was created by someone else at the same moment: save again",
    }
    foreign_key_field = "author_id"

    # -- listing --------------------------------------------------------------------------
    def _select(self) -> Select[Any]:
        return select(*_ROW_COLUMNS[self.dialect])

    def _conditions(self, query: Query) -> list[ColumnElement[bool]]:
        filters = query.filters
        conditions: list[ColumnElement[bool]] = []
        if filters.get("author_id") is not None:
            conditions.append(_posts.c.author_id == int(filters["author_id"]))
        if filters.get("published") is not None:
            conditions.append(_posts.c.is_published == _to_bool(filters["published"]))
        tag = filters.get("tag")
        if tag is not None:
            if isinstance(tag, int) and not isinstance(tag, bool):
                tag_ids = select(post_tags.c.post_id).where(post_tags.c.tag_id == tag)
            else:
                tag_ids = (
                    select(post_tags.c.post_id)
                    .join(_tags, _tags.c.id == post_tags.c.tag_id)
                    .where(_tags.c.name == str(tag))
                )
            conditions.append(_posts.c.id.in_(tag_ids))
        search = clean_search(query.search)
        if search is not None:
            conditions.append(self._search_condition(search))
        return conditions

    def _search_condition(self, search: str) -> ColumnElement[bool]:
        if self.dialect == "postgresql":
            vector: ColumnElement[Any] = literal_column("posts.search_vector")
            return vector.op("@@")(func.websearch_to_tsquery("simple", search))
        match = fts5_query(search)
        if match is None:
            return false()
        matching = (
            text("SELECT rowid FROM posts_fts WHERE posts_fts MATCH :fts_match")
            .bindparams(fts_match=match)
            .columns(rowid=Integer)
        )
        return _posts.c.id.in_(matching)

    async def tags_of(self, post_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
        """Tag names per post, sorted, in one grouped query (posts without tags are absent)."""
        ids = list(post_ids)
        if not ids:
            return {}
        statement = (
            select(post_tags.c.post_id, _tags.c.name)
            .join(_tags, _tags.c.id == post_tags.c.tag_id)
            .where(post_tags.c.post_id.in_(ids))
        )
        grouped: dict[int, list[str]] = defaultdict(list)
        for post_id, name in (await self.session.execute(statement)).all():
            grouped[post_id].append(name)
        return {post_id: tuple(sorted(names)) for post_id, names in grouped.items()}

    async def _to_rows(self, raw: Sequence[AnyRow]) -> tuple[PostRow, ...]:
        return tuple(_post_row(row) for row in raw)

    # -- one row --------------------------------------------------------------------------
    async def get(self, id: int) -> PostDetail:
        """The post `id` with content and tags."""
        statement = self._select().add_columns(_posts.c.content).where(_posts.c.id == id)
        row = (await self.session.execute(statement)).first()
        if row is None:
            raise NotFoundError(self.kind, id)
        return _post_row(row, PostDetail)

    # -- writes ---------------------------------------------------------------------------
    async def _taken_slugs(self, candidates: Iterable[str], exclude_id: int | None) -> set[str]:
        statement = select(_posts.c.slug).where(_posts.c.slug.in_(list(candidates)))
        if exclude_id is not None:
            statement = statement.where(_posts.c.id != exclude_id)
        return set((await self.session.execute(statement)).scalars())

    async def _slug_for(self, given: str | None, title: str, exclude_id: int | None) -> str:
        if given is not None:
            if await self._taken_slugs([given], exclude_id):
                raise FieldErrors({"slug": "already used by another post"})
            return given

        async def taken(candidates: Iterable[str]) -> set[str]:
            return await self._taken_slugs(candidates, exclude_id)

        return await unique_slug(slugify(title), taken)

    async def _check_author(self, author_id: int) -> None:
        found = await self.session.execute(select(_users.c.id).where(_users.c.id == author_id))
        if found.first() is None:
            raise FieldErrors({"author_id": "no such user"})

    async def _tag_ids(self, names: Sequence[str]) -> list[int]:
        """Ids of the tags `names`, creating the missing ones (call inside `guarded`)."""
        if not names:
            return []
        found = dict(
            (
                await self.session.execute(
                    select(_tags.c.name, _tags.c.id).where(_tags.c.name.in_(list(names)))
                )
            ).all()
        )
        from tui.models import Tag

        missing = [Tag(name=name) for name in names if name not in found]
        if missing:
            self.session.add_all(missing)
            await self.session.flush()
            found.update({tag.name: tag.id for tag in missing})
        return [found[name] for name in names]

    async def _set_tags(self, post_id: int, names: Sequence[str], replace: bool) -> None:
        tag_ids = await self._tag_ids(names)
        current: set[int] = set()
        if replace:
            await self.session.execute(
                delete(post_tags).where(
                    post_tags.c.post_id == post_id, post_tags.c.tag_id.not_in(tag_ids)
                )
            )
            current = set(
                (
                    await self.session.execute(
                        select(post_tags.c.tag_id).where(post_tags.c.post_id == post_id)
                    )
                ).scalars()
            )
        new = [{"post_id": post_id, "tag_id": t} for t in tag_ids if t not in current]
        if new:
            await self.session.execute(insert(post_tags), new)

    async def create(self, data: PostCreate | Mapping[str, Any]) -> PostDetail:
        """Create a post; the slug is derived from the title unless given; tags by name."""
        from tui.models import Post

        values = parse(PostCreate, data)
        await self._check_author(values.author_id)
        slug = await self._slug_for(values.slug, values.title, None)
        post = Post(
            title=values.title,
            slug=slug,
            content=values.content,
            is_published=values.is_published,
            author_id=values.author_id,
        )
        async with self.guarded():
            self.session.add(post)
            await self.session.flush()
            await self._set_tags(post.id, values.tags, replace=False)
        return await self.get(post.id)

    async def update(
        self, id: int, data: PostUpdate | Mapping[str, Any], expected_version: int
    ) -> PostDetail:
        """Apply `data` if the post is still at `expected_version`; else `StaleRecordError`.
        Only the fields given are written; a slug given blank is derived from the title;
        `tags` replaces the tags."""
        from tui.models import Post

        values = parse(PostUpdate, data)
        statement = self._for_update(select(Post).where(Post.id == id))
        post = (await self.session.execute(statement)).scalar_one_or_none()
        if post is None:
            raise StaleRecordError(None, self.kind)
        if post.version != expected_version:
            raise await self._stale(id)
        if values.author_id is not None and values.author_id != post.author_id:
            await self._check_author(values.author_id)
        given = values.model_fields_set
        slug = post.slug
        if "slug" in given:  # blank: derived again from the (new or current) title
            slug = await self._slug_for(values.slug, values.title or post.title, id)

        async def write() -> None:
            for name in ("title", "content", "is_published", "author_id"):
                if name in given and getattr(values, name) is not None:
                    setattr(post, name, getattr(values, name))
            post.slug = slug
            post.updated_at = utcnow()  # always an UPDATE: the version check runs and bumps
            await self.session.flush()
            if values.tags is not None:
                await self._set_tags(id, values.tags, replace=True)

        await self._write(id, write)
        return await self.get(id)

    async def delete_impact(self, id: int) -> Impact:
        """What deleting the post takes with it: its tag links (tags themselves stay)."""
        exists = await self.session.execute(select(_posts.c.id).where(_posts.c.id == id))
        if exists.first() is None:
            raise NotFoundError(self.kind, id)
        links = select(func.count()).select_from(post_tags).where(post_tags.c.post_id == id)
        count = int((await self.session.execute(links)).scalar_one())
        return Impact("detaches", (("tag", count),), empty="deletes only the post")

    async def delete(self, id: int, expected_version: int | None = None) -> None:
        """Delete the post (its tag links go with it)."""
        statement = delete(_posts).where(_posts.c.id == id)
        if expected_version is not None:
            statement = statement.where(_posts.c.version == expected_version)
        result = await self.session.execute(statement)
        if affected_rows(result) == 0:
            if expected_version is None:
                raise NotFoundError(self.kind, id)
            raise await self._stale(id)
