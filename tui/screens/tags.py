"""The Tags screen: usage counts, rename, merge, delete, and a tag's posts."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType

from tui.repositories.tags import TagRepository
from tui.screens.entity import EntityScreen, EntitySpec
from tui.screens.modals import FormScreen
from tui.screens.write_confirm import confirm_write
from tui.widgets.record_form import FormField
from tui.widgets.record_table import Column

SPEC = EntitySpec(
    kind="tag",
    plural="tags",
    repository=TagRepository,
    columns=(
        Column("id", "ID", 7, align="right"),
        Column("name", "Name", 30),
        Column("post_count", "Posts", 9, sortable=False, align="right"),
    ),
    cells=lambda t: (t.id, t.name, t.post_count),
    label=lambda t: t.name,
    form_fields=lambda screen, new: [FormField("name", "Name", required=True, max_length=50)],
    to_form=lambda tag: {"name": tag.name},
    to_input=lambda values, new: {"name": values.get("name")},
    export_fields=("id", "name", "post_count"),
    search_hint="search tag names — enter to apply, escape to clear",
)


class TagsScreen(EntityScreen):
    """Tags: `enter` renames, `m` merges into another tag, `p` lists the tag's posts."""

    SCREEN_NAME = "Tags"
    SPEC = SPEC
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "merge", "Merge", id="tags.merge", tooltip="Merge into another tag"),
        Binding("p", "posts", "Posts", id="tags.posts", tooltip="Posts with this tag"),
    ]

    async def action_posts(self) -> None:
        row = self.table.current_row
        if row is None:
            return
        from tui.screens.posts import show_posts

        await show_posts(self.dbapp, self.current_cell("name"), tag=row.id)

    def action_merge(self) -> None:
        row = self.table.current_row
        if row is None or not self.writable():
            return
        source_name = str(row.cells[1])

        async def search(text: str) -> list[tuple[Any, str]]:
            async with self.dbapp.manager.read_session() as session:
                names = await TagRepository(session).suggest(text)
            return [(name, name) for name in names if name != source_name]

        field = FormField("target", "Merge into", kind="picker", required=True, search=search)
        self.app.push_screen(
            FormScreen(f"Merge tag {source_name} into…", [field]),
            partial(self._merge_chosen, row.id, source_name),
        )

    def _merge_chosen(self, source_id: int, source_name: str, values: dict | None) -> None:
        if values and values.get("target"):
            self._merge(source_id, source_name, values["target"])

    @work(exclusive=True, group="tags-merge", exit_on_error=False)
    async def _merge(self, source_id: int, source_name: str, target_name: str) -> None:
        async with self.dbapp.manager.read_session() as session:
            repo = TagRepository(session)
            target = await repo.get_by_name(target_name)
            impact = await repo.delete_impact(source_id)
        body = f"Posts tagged {source_name} get {target_name} instead ({impact.total:,} posts)."
        title = f"Merge {source_name} into {target_name}?"
        if await confirm_write(self.dbapp, title, body, label="Merge", danger=True):
            await self._write(
                lambda repo: repo.merge(source_id, target.id),
                f"Merged {source_name} into {target_name}",
            )


SCREEN = TagsScreen
