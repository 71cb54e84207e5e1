"""Tags: keyset lists with usage counts, rename, merge, delete impact.

Lists are read from the Core tables; the ORM models load with the first create or update."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, delete, func, insert, literal, select, update

from tui.db import tables
from tui.db.tables import post_tags
from tui.repositories.base import (
    AnyRow,
    Impact,
    Query,
    Repository,
    affected_rows,
    clean_search,
    like_pattern,
)
from tui.repositories.errors import FieldErrors, NotFoundError, StaleRecordError
from tui.schemas.errors import parse
from tui.schemas.tags import TagCreate, TagUpdate

_tags = tables.tags


@dataclass(frozen=True, slots=True)
class TagRow:
    """One tag with the number of posts that carry it."""

    id: int
    name: str
    post_count: int
    version: int


#: A tag's detail is its row.
TagDetail = TagRow

_NAME_TAKEN = "a tag with this name exists"


class TagRepository(Repository[TagRow]):
    """Tags, sortable by id or name (post counts are not index-backed, so not sortable).
    Search: a case-insensitive substring of the name. No filters."""

    table = _tags
    kind = "tag"
    sortable = {"id": _tags.c.id, "name": _tags.c.name}
    unique_sorts = frozenset({"name"})
    integrity_columns = {"tags.name": "name"}
    integrity_constraints = {"uq_tags_name": "name"}
    integrity_messages = {"name": _NAME_TAKEN}

    # -- listing --------------------------------------------------------------------------
    def _select(self) -> Select[Any]:
        return select(_tags.c.id, _tags.c.name, _tags.c.version)

    def _conditions(self, query: Query) -> list[ColumnElement[bool]]:
        search = clean_search(query.search)
        if search is None:
            return []
        pattern = like_pattern(search)
        if self.dialect == "postgresql":
            return [_tags.c.name.ilike(pattern, escape="\\")]
        return [_tags.c.name.like(pattern, escape="\\")]

    async def usage_counts(self, tag_ids: Iterable[int]) -> dict[int, int]:
        """Number of posts per tag, in one grouped query (tags without posts are absent)."""
        ids = list(tag_ids)
        if not ids:
            return {}
        statement = (
            select(post_tags.c.tag_id, func.count())
            .where(post_tags.c.tag_id.in_(ids))
            .group_by(post_tags.c.tag_id)
        )
        return {tag_id: int(n) for tag_id, n in (await self.session.execute(statement)).all()}

    async def _to_rows(self, raw: Sequence[AnyRow]) -> tuple[TagRow, ...]:
        counts = await self.usage_counts(row[0] for row in raw)
        return tuple(
            TagRow(id=id, name=name, post_count=counts.get(id, 0), version=version)
            for id, name, version in raw
        )

    async def suggest(self, prefix: str, limit: int = 10) -> tuple[str, ...]:
        """Tag names starting with `prefix` (case-insensitive), for completion."""
        cleaned = clean_search(prefix)
        statement = select(_tags.c.name).order_by(_tags.c.name).limit(limit)
        if cleaned is not None:
            pattern = like_pattern(cleaned)[1:]  # no leading %: a prefix match
            column = _tags.c.name
            statement = statement.where(
                column.ilike(pattern, escape="\\")
                if self.dialect == "postgresql"
                else column.like(pattern, escape="\\")
            )
        return tuple((await self.session.execute(statement)).scalars())

    # -- one row --------------------------------------------------------------------------
    async def get(self, id: int) -> TagRow:
        row = (await self.session.execute(self._select().where(_tags.c.id == id))).first()
        if row is None:
            raise NotFoundError(self.kind, id)
        return (await self._to_rows([row]))[0]

    async def get_by_name(self, name: str) -> TagRow:
        row = (await self.session.execute(self._select().where(_tags.c.name == name))).first()
        if row is None:
            raise NotFoundError(self.kind, name)
        return (await self._to_rows([row]))[0]

    # -- writes ---------------------------------------------------------------------------
    async def _check_unique(self, name: str, exclude_id: int | None = None) -> None:
        statement = select(_tags.c.id).where(_tags.c.name == name)
        if exclude_id is not None:
            statement = statement.where(_tags.c.id != exclude_id)
        if (await self.session.execute(statement)).first() is not None:
            raise FieldErrors({"name": _NAME_TAKEN})

    async def create(self, data: TagCreate | Mapping[str, Any]) -> TagRow:
        from tui.models import Tag

        values = parse(TagCreate, data)
        await self._check_unique(values.name)
        tag = Tag(name=values.name)
        async with self.guarded():
            self.session.add(tag)
        return await self.get(tag.id)

    async def update(
        self, id: int, data: TagUpdate | Mapping[str, Any], expected_version: int
    ) -> TagRow:
        """Rename the tag if it is still at `expected_version`."""
        from tui.models import Tag

        values = parse(TagUpdate, data)
        statement = self._for_update(select(Tag).where(Tag.id == id))
        tag = (await self.session.execute(statement)).scalar_one_or_none()
        if tag is None:
            raise StaleRecordError(None, self.kind)
        if tag.version != expected_version:
            raise await self._stale(id)
        await self._check_unique(values.name, exclude_id=id)

        async def write() -> None:
            tag.name = values.name

        await self._write(id, write)
        return await self.get(id)

    async def rename(self, id: int, name: str, expected_version: int | None = None) -> TagRow:
        """Rename the tag (at `expected_version` when given)."""
        if expected_version is None:
            expected_version = (await self.get(id)).version
        return await self.update(id, {"name": name}, expected_version)

    async def merge(self, source_id: int, target_id: int) -> TagRow:
        """Move every post of `source_id` to `target_id` (no duplicate links), then delete
        the source tag. Returns the target with its new count."""
        if source_id == target_id:
            raise FieldErrors({"target": "choose a different tag to merge into"})
        await self.get(source_id)
        await self.get(target_id)
        already = select(post_tags.c.post_id).where(post_tags.c.tag_id == target_id)
        moving = select(post_tags.c.post_id, literal(target_id, Integer)).where(
            post_tags.c.tag_id == source_id, post_tags.c.post_id.not_in(already)
        )
        async with self.guarded():
            await self.session.execute(insert(post_tags).from_select(["post_id", "tag_id"], moving))
            await self.session.execute(delete(_tags).where(_tags.c.id == source_id))
            await self.session.execute(
                update(_tags).where(_tags.c.id == target_id).values(version=_tags.c.version + 1)
            )
        return await self.get(target_id)

    async def delete_impact(self, id: int) -> Impact:
        """``removes the tag from N posts``."""
        tag = await self.get(id)
        return Impact(
            "removes the tag from",
            (("post", tag.post_count),),
            empty="is not used by any post",
        )

    async def delete(self, id: int, expected_version: int | None = None) -> None:
        """Delete the tag; posts lose it (links cascade)."""
        statement = delete(_tags).where(_tags.c.id == id)
        if expected_version is not None:
            statement = statement.where(_tags.c.version == expected_version)
        result = await self.session.execute(statement)
        if affected_rows(result) == 0:
            if expected_version is None:
                raise NotFoundError(self.kind, id)
            raise await self._stale(id)
