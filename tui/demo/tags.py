"""Tags: how many posts carry each, the tag's posts (`p`), merge into another tag (`m`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Table, func, select

from tui.db.tables import post_tags
from tui.entities.admin import AdminAction, ExtraColumn, TableAdmin

if TYPE_CHECKING:
    from tui.entities.impact import DeleteImpact
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


def merge(screen: TableScreen) -> None:
    """Ask which tag to merge the current one into; then confirm and merge."""
    from tui.repositories.tags import TagRepository
    from tui.screens.modals import FormScreen
    from tui.widgets.record_form import FormField

    values = screen.current_values()
    if values is None:
        return
    source_id, source_name = values["id"], str(values["name"])

    async def search(text: str) -> list[tuple[Any, str]]:
        async with screen.dbapp.manager.read_session() as session:
            names = await TagRepository(session).suggest(text)
        return [(name, name) for name in names if name != source_name]

    def chosen(form: dict[str, Any] | None) -> None:
        if form and form.get("target"):
            screen.run_write(_merge(screen, source_id, source_name, form["target"]))

    field = FormField("target", "Merge into", kind="picker", required=True, search=search)
    screen.app.push_screen(FormScreen(f"Merge tag {source_name} into…", [field]), chosen)


async def _merge(screen: TableScreen, source_id: int, source_name: str, target_name: str) -> None:
    from tui.repositories.tags import TagRepository
    from tui.screens.write_confirm import confirm_write

    async with screen.dbapp.manager.read_session() as session:
        repo = TagRepository(session)
        target = await repo.get_by_name(target_name)
        moving = (await repo.get(source_id)).post_count
    body = f"Posts tagged {source_name} get {target_name} instead ({moving:,} posts)."
    title = f"Merge {source_name} into {target_name}?"
    if await confirm_write(screen.dbapp, title, body, label="Merge", danger=True):
        await screen.write(
            lambda repo: TagRepository(repo.session).merge(source_id, target.id),
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
