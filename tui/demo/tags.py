"""Tags: how many posts carry each, the tag's posts (`p`), merge into another tag (`m`), and
the completion of tag names in the posts' form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Integer, Table, func, insert, literal, select, update

from tui.db.tables import post_tags, tags
from tui.entities.admin import AdminAction, ExtraColumn, TableAdmin
from tui.entities.errors import NotFoundError
from tui.entities.repository import EntityRepository, affected_rows
from tui.entities.search import clean_search, like_pattern
from tui.schemas.errors import FieldErrors

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.entities.impact import DeleteImpact
    from tui.entities.spec import RowValues
    from tui.screens.table import TableScreen


def post_count(tags: Table) -> ColumnElement[int]:
    """Posts carrying the tag: a correlated count of its post links."""
    return (
        select(func.count())
        .select_from(post_tags)
        .where(post_tags.c.tag_id == tags.c.id)
        .scalar_subquery()
    )


async def show_posts(screen: TableScreen) -> None:
    """The Posts screen, filtered by the current tag."""
    from tui.demo.posts import show_posts

    values = screen.current_values()
    if values is not None:
        await show_posts(screen.dbapp, str(values["name"]), tags=values["id"])


async def tag_names(session: AsyncSession, prefix: str, limit: int = 10) -> list[str]:
    """Tag names starting with `prefix` (in any case), in name order: the tags' completion."""
    statement = select(tags.c.name).order_by(tags.c.name).limit(limit)
    cleaned = clean_search(prefix)
    if cleaned is not None:
        pattern = like_pattern(cleaned.lower(), prefix=True)
        statement = statement.where(func.lower(tags.c.name).like(pattern, escape="\\"))
    return list((await session.execute(statement)).scalars())


async def merge_tags(repo: EntityRepository, source: RowValues, target_id: int) -> None:
    """Give the posts of tag `source` (its row as read) the tag `target_id` instead (a post
    that has both keeps one link), then delete the source tag while it is still at the
    version read (`StaleRecordError` when it changed or is gone: nothing is written). The
    target's version moves on, so an edit of it opened before the merge is a conflict."""
    session = repo.session
    if source["id"] == target_id:
        raise FieldErrors({"target": "choose a different tag to merge into"})
    bump = update(tags).where(tags.c.id == target_id).values(version=tags.c.version + 1)
    if not affected_rows(await session.execute(bump)):
        raise NotFoundError("tag", target_id)
    already = select(post_tags.c.post_id).where(post_tags.c.tag_id == target_id)
    moving = select(post_tags.c.post_id, literal(target_id, Integer)).where(
        post_tags.c.tag_id == source["id"], post_tags.c.post_id.not_in(already)
    )
    await session.execute(insert(post_tags).from_select(["post_id", "tag_id"], moving))
    await repo.delete((source["id"],), {"version": source["version"]})


async def posts_tagged(session: AsyncSession, tag_id: int) -> int:
    """How many posts carry the tag `tag_id`."""
    statement = select(func.count()).select_from(post_tags).where(post_tags.c.tag_id == tag_id)
    return int((await session.execute(statement)).scalar_one())


def merge(screen: TableScreen) -> None:
    """Ask which tag to merge the current one into; then confirm and merge."""
    from tui.fields import FormField
    from tui.screens.modals import FormScreen

    values = screen.current_values()
    if values is None:
        return
    source_id, source_name = values["id"], str(values["name"])

    async def search(text: str) -> list[tuple[Any, str]]:
        async with screen.dbapp.manager.read_session() as session:
            names = await tag_names(session, text)
        return [(name, name) for name in names if name != source_name]

    def chosen(form: dict[str, Any] | None) -> None:
        if form and form.get("target"):
            screen.run_write(_merge(screen, source_id, source_name, form["target"]))

    field = FormField("target", "Merge into", kind="picker", required=True, search=search)
    screen.app.push_screen(FormScreen(f"Merge tag {source_name} into…", [field]), chosen)


async def _merge(screen: TableScreen, source_id: int, source_name: str, target_name: str) -> None:
    from tui.screens.write_confirm import confirm_write

    async with screen.dbapp.manager.read_session() as session:
        named = select(tags.c.id).where(tags.c.name == target_name)
        target_id = (await session.execute(named)).scalar()
        try:
            source = await EntityRepository(screen.spec, session, screen.admin).get((source_id,))
        except NotFoundError as error:
            screen.notify(str(error), severity="warning")
            return
        moving = await posts_tagged(session, source_id)
    if target_id is None:
        screen.notify(f"tag {target_name} does not exist (deleted meanwhile?)", severity="warning")
        return
    body = f"Posts tagged {source_name} get {target_name} instead ({moving:,} posts)."
    title = f"Merge {source_name} into {target_name}?"
    if await confirm_write(screen.dbapp, title, body, label="Merge", danger=True):
        await screen.write(
            lambda repo: merge_tags(repo, source, target_id),
            f"Merged {source_name} into {target_name}",
        )


class TagAdmin(TableAdmin):
    """The demo's tags: name and post count; names are one line without commas."""

    singular = "tag"
    list_columns = ("id", "name")
    labels = {"id": "ID", "name": "Name"}
    extra_columns = (ExtraColumn("post_count", "Posts", post_count),)
    form_columns = ("name",)
    actions = (
        AdminAction("m", "merge", "Merge", "Merge into another tag", merge, writes=True),
        AdminAction("p", "posts", "Posts", "Posts with this tag", show_posts),
    )

    def to_row(self, values: dict[str, Any], *, new: bool) -> dict[str, Any]:
        from tui.schemas.errors import parse
        from tui.schemas.tags import TagCreate

        if "name" not in values:
            return values
        return {**values, "name": parse(TagCreate, {"name": values["name"]}).name}

    def impact_text(self, impact: DeleteImpact) -> str:
        posts = sum(item.count for item in impact.cascades)
        if not posts:
            return "This is not used by any post."
        return f"This removes the tag from {posts:,} {'post' if posts == 1 else 'posts'}."


__all__ = ["TagAdmin"]
