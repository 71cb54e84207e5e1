"""Posts: tags ("a, b"), full-text search, a unique slug from the title,
tags edited by name, the author (`a`) and a tag's posts (`#`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    delete,
    false,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tui.db.tables import post_tags, tags
from tui.entities.admin import AdminAction, ExtraColumn, TableAdmin

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.app import DbTuiApp
    from tui.entities.impact import DeleteImpact
    from tui.fields import FormField
    from tui.screens.table import TableScreen
    from tui.widgets.record_form import RecordForm

SLUG_FROM_TITLE = "generated from the title"


class by_dialect(FunctionElement[Any]):
    """`default`, or `postgresql` on PostgreSQL: one expression where the backends differ."""

    name = "by_dialect"
    inherit_cache = True

    def __init__(self, default: ColumnElement[Any], postgresql: ColumnElement[Any]) -> None:
        super().__init__(default, postgresql)
        self.type = default.type


@compiles(by_dialect)
def _compile_default(element: by_dialect, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses.clauses[0], **kw)


@compiles(by_dialect, "postgresql")
def _compile_postgresql(element: by_dialect, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses.clauses[1], **kw)


# -- list columns ----------------------------------------------------------------------------
def tag_names(posts: Table) -> ColumnElement[str]:
    """The post's tag names, sorted, as ``"a, b"`` (``""`` without tags).

    PostgreSQL orders inside the aggregate; SQLite before 3.44 cannot, so it aggregates an
    ordered subquery (SQLite aggregates rows in the order the subquery yields them)."""
    linked = tags.join(post_tags, post_tags.c.tag_id == tags.c.id)
    of_post = post_tags.c.post_id == posts.c.id
    ordered = (
        select(tags.c.name).select_from(linked).where(of_post).order_by(tags.c.name)
    ).correlate(posts)
    names = ordered.subquery("names")
    sqlite = select(func.aggregate_strings(names.c.name, ", ")).scalar_subquery()
    postgresql = (
        select(func.aggregate_strings(tags.c.name, ", ").aggregate_order_by(tags.c.name))
        .select_from(linked)
        .where(of_post)
        .scalar_subquery()
    )
    return func.coalesce(by_dialect(sqlite, postgresql), "")


# -- search ----------------------------------------------------------------------------------
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


def full_text(posts: Table, term: str) -> ColumnElement[bool]:
    """Posts whose title or content match `term`: SQLite's FTS5 table ``posts_fts`` (prefixes,
    every word), PostgreSQL's ``search_vector`` (``websearch_to_tsquery('simple', …)``); both
    are kept in step by the migrations."""
    match = fts5_query(term)
    if match is None:
        return false()
    matching = (
        text("SELECT rowid FROM posts_fts WHERE posts_fts MATCH :fts_match")
        .bindparams(fts_match=match)
        .columns(rowid=Integer)
    )
    vector: ColumnElement[Any] = literal_column(f"{posts.name}.search_vector")
    searched = vector.op("@@")(func.websearch_to_tsquery("simple", term))
    return by_dialect(posts.c.id.in_(matching), searched)


# -- tags, slugs -----------------------------------------------------------------------------
async def tags_of(session: AsyncSession, post_id: Any) -> list[tuple[int, str]]:
    """(id, name) of the post's tags, by name."""
    statement = (
        select(tags.c.id, tags.c.name)
        .join(post_tags, post_tags.c.tag_id == tags.c.id)
        .where(post_tags.c.post_id == post_id)
        .order_by(tags.c.name)
    )
    return [(tag_id, name) for tag_id, name in (await session.execute(statement)).all()]


async def set_tags(session: AsyncSession, post_id: Any, names: Sequence[str]) -> None:
    """Make `names` the post's tags, creating the tags that do not exist."""
    found = dict(
        (await session.execute(select(tags.c.name, tags.c.id).where(tags.c.name.in_(names)))).all()
    )
    missing = [{"name": name} for name in names if name not in found]
    if missing:
        created = await session.execute(insert(tags).returning(tags.c.name, tags.c.id), missing)
        found.update(dict(created.all()))
    wanted = [found[name] for name in names]
    await session.execute(
        delete(post_tags).where(post_tags.c.post_id == post_id, post_tags.c.tag_id.not_in(wanted))
    )
    kept = select(post_tags.c.tag_id).where(post_tags.c.post_id == post_id)
    have = set((await session.execute(kept)).scalars())
    new = [{"post_id": post_id, "tag_id": t} for t in wanted if t not in have]
    if new:
        await session.execute(insert(post_tags), new)


async def unique_slug(session: AsyncSession, title: str, exclude: Any | None) -> str:
    """The title's slug, or the first of ``slug-2``, ``slug-3``, … no other post uses."""
    from tui.demo.slugs import slugify
    from tui.demo.slugs import unique_slug as first_free

    async def taken(candidates: Iterable[str]) -> set[str]:
        return await _taken_slugs(session, candidates, exclude)

    return await first_free(slugify(title), taken)


async def _taken_slugs(
    session: AsyncSession, slugs: Iterable[str], exclude: Any | None
) -> set[str]:
    from tui.db.tables import posts

    statement = select(posts.c.slug).where(posts.c.slug.in_(list(slugs)))
    if exclude is not None:
        statement = statement.where(posts.c.id != exclude)
    return set((await session.execute(statement)).scalars())


# -- actions ---------------------------------------------------------------------------------
def open_author(screen: TableScreen) -> None:
    """The Users screen, on the current post's author."""
    values = screen.current_values()
    if values is not None:
        screen.run_worker(_open_author(screen, values["id"]), group="posts-jump", exclusive=True)


async def _open_author(screen: TableScreen, post_id: Any) -> None:
    from tui.db.tables import posts
    from tui.screens.table import TableScreen

    async with screen.dbapp.manager.read_session() as session:
        found = select(posts.c.author_id).where(posts.c.id == post_id)
        author_id = (await session.execute(found)).scalar()
    if author_id is None:
        screen.notify(f"post {post_id} does not exist (deleted meanwhile?)", severity="warning")
        screen.reload(keep_position=True)
        return
    await screen.app.switch_mode("users")
    users_screen = screen.app.screen
    assert isinstance(users_screen, TableScreen)
    users_screen.show_row((author_id,))  # the cursor on the author, and the author's form
    users_screen.open_record((author_id,))


def tag_posts(screen: TableScreen) -> None:
    """The posts of the current post's tag (asks which when it has several)."""
    values = screen.current_values()
    if values is not None:
        screen.run_worker(_tag_posts(screen, values["id"]), group="posts-jump", exclusive=True)


async def _tag_posts(screen: TableScreen, post_id: Any) -> None:
    from tui.fields import FormField
    from tui.screens.modals import FormScreen

    async with screen.dbapp.manager.read_session() as session:
        found = await tags_of(session, post_id)
    if not found:
        screen.notify("This post has no tags", severity="warning")
        return
    if len(found) == 1:
        _show_tag(screen, *found[0])
        return
    ids = {name: tag_id for tag_id, name in found}

    def chosen(values: dict[str, Any] | None) -> None:
        if values and values.get("tag") in ids:
            _show_tag(screen, ids[values["tag"]], values["tag"])

    options = [(name, name) for _, name in found]
    field = FormField("tag", "Tag", kind="select", required=True, options=options)
    screen.app.push_screen(FormScreen("Posts of which tag?", [field], {"tag": found[0][1]}), chosen)


def _show_tag(screen: TableScreen, tag_id: int, name: str) -> None:
    from tui.entities.query import Filter, TableQuery

    item = Filter("tags", "linked", tag_id)
    screen.filter_labels[item] = name
    screen.set_query(TableQuery(filters=(item,)))


async def show_posts(app: DbTuiApp, label: str | None = None, **filters: Any) -> None:
    """Switch to the Posts screen showing the posts that match `filters` (by column, or
    ``tags=`` a tag's id); `label` names the value of a filter by id (a username, a tag)."""
    from tui.entities.query import Filter, TableQuery
    from tui.screens.table import TableScreen

    await app.switch_mode("posts")
    screen = app.screen
    assert isinstance(screen, TableScreen)
    links = {link.name for link in screen.spec.many_to_many}
    items = tuple(
        Filter(name, "linked" if name in links else "eq", value) for name, value in filters.items()
    )
    screen.filter_labels = {item: label for item in items} if label else {}
    screen.set_query(TableQuery(filters=items))


# -- the admin -------------------------------------------------------------------------------
class PostAdmin(TableAdmin):
    """The demo's posts."""

    singular = "post"
    list_columns = ("id", "title", "slug", "author_id", "is_published", "tags", "created_at")
    labels = {
        "id": "ID",
        "title": "Title",
        "slug": "Slug",
        "author_id": "Author",
        "is_published": "Published",
        "content": "Content",
        "created_at": "Created",
    }
    headers = {"is_published": "Pub"}
    widths = {"id": 7, "slug": 28, "author_id": 18}
    label_column = "title"
    search_hint = "full-text search in titles and content"
    extra_columns = (
        ExtraColumn(
            "tags",
            "Tags",
            tag_names,
            width=24,
            align="left",
            unsortable_reason="a post has several",
        ),
    )
    form_columns = ("title", "slug", "author_id", "is_published", "tags", "content")
    actions = (
        AdminAction("a", "author", "Author", "Open this post's author", open_author),
        AdminAction("number_sign", "tag_posts", "Tag's posts", "Posts of a tag", tag_posts),
    )

    def search(self, table: Table, term: str) -> ColumnElement[bool] | None:
        return full_text(table, term)

    def arrange(self, fields: Sequence[FormField]) -> list[FormField]:
        """The slug may be left blank (it is then derived from the title); content is
        limited to what posts accept; a new post's content and published switch start as
        the plain values their defaults are (empty, off), as a hand-written form would."""
        from tui.schemas.text import MAX_CONTENT

        plain = {"generated": False, "default_hint": ""}
        changed: dict[str, dict[str, Any]] = {
            "slug": {"required": False, "placeholder": SLUG_FROM_TITLE},
            "content": {"max_length": MAX_CONTENT, **plain},
            "is_published": plain,
        }
        return super().arrange([replace(f, **changed.get(f.name, {})) for f in fields])

    def extra_fields(self, screen: TableScreen, *, new: bool) -> Sequence[FormField]:
        from tui.fields import FormField

        async def search(typed: str) -> list[tuple[Any, str]]:
            from tui.demo.tags import tag_names

            async with screen.dbapp.manager.read_session() as session:
                names = await tag_names(session, typed)
            return [(name, name) for name in names]

        return (FormField("tags", "Tags", kind="tags", search=search),)

    async def extra_values(self, session: AsyncSession, key: tuple[Any, ...]) -> dict[str, Any]:
        return {"tags": [name for _, name in await tags_of(session, key[0])]}

    def field_changed(self, form: RecordForm, name: str) -> None:
        """While the slug is blank, its placeholder previews the title's slug."""
        from textual.widgets import Input

        from tui.demo.slugs import slugify

        if name != "title":
            return
        title, slug = form.input_widget("title"), form.input_widget("slug")
        if isinstance(title, Input) and isinstance(slug, Input):
            preview = slugify(title.value) if title.value.strip() else ""
            slug.placeholder = f"{preview} (from the title)" if preview else SLUG_FROM_TITLE

    def to_row(self, values: dict[str, Any], *, new: bool) -> dict[str, Any]:
        """Validated as posts are (lengths, no NUL, a slug's letters, tag names); a blank
        slug is None until `before_save` derives it; a change of tags alone still updates
        the post (its version, so a concurrent edit is noticed)."""
        from tui.db.tables import utcnow
        from tui.schemas.errors import parse
        from tui.schemas.posts import PostCreate, PostUpdate

        names = ("title", "slug", "content", "is_published", "author_id", "tags")
        given = {name: values[name] for name in names if name in values}
        parsed = parse(PostCreate if new else PostUpdate, given)
        row = {name: getattr(parsed, name) for name in given}
        if not new and "tags" in row and len(row) == 1:
            row["updated_at"] = utcnow()
        return row

    async def before_save(
        self, session: AsyncSession, key: tuple[Any, ...] | None, row: dict[str, Any], *, new: bool
    ) -> dict[str, Any]:
        from tui.db.tables import posts
        from tui.schemas.errors import FieldErrors

        if "slug" not in row:
            return row
        exclude = None if key is None else key[0]
        if row["slug"] is not None:
            if await _taken_slugs(session, [row["slug"]], exclude):
                raise FieldErrors({"slug": "already used by another post"})
            return row
        title = row.get("title")
        if title is None and key is not None:
            current = select(posts.c.title).where(posts.c.id == key[0])
            title = (await session.execute(current)).scalar() or ""
        return {**row, "slug": await unique_slug(session, title or "", exclude)}

    async def after_save(
        self, session: AsyncSession, key: tuple[Any, ...], values: Any, *, new: bool
    ) -> None:
        if "tags" in values:
            names = [str(name).strip() for name in values["tags"] or ()]
            await set_tags(session, key[0], list(dict.fromkeys(n for n in names if n)))

    def impact_text(self, impact: DeleteImpact) -> str:
        links = sum(item.count for item in impact.cascades)
        if not links:
            return "This deletes only the post."
        return f"This detaches {links:,} {'tag' if links == 1 else 'tags'}."


__all__ = ["PostAdmin", "show_posts"]
