"""`TablesScreen`: every table of the application (or of the database), with estimated row
counts; type to filter, `enter` opens one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.cells import escape_control
from tui.db.errors import short_error
from tui.screens.base import DbScreen

if TYPE_CHECKING:
    from tui.entities.catalog import TableInfo
    from tui.entities.registry import Registry

TRAIL = "Tables"
#: Seconds the highlight rests on a table before its columns are read ahead (reflecting).
READ_AHEAD_AFTER = 0.3


def rows_text(info: TableInfo) -> str:
    """``1,234 rows`` (counted), ``~1,234 rows`` (estimated), ``view``, ``rows unknown``."""
    if info.is_view:
        return "view"
    if info.estimated_rows is None:
        return "rows unknown"
    return f"{'' if info.exact else '~'}{info.estimated_rows:,} rows"


def matches(typed: str, name: str) -> bool:
    """Whether a table `name` is listed for the filter text `typed` (any case, anywhere)."""
    return typed.strip().lower() in name.lower()


class TableFilter(Input):
    """The type-to-filter input. Digits and ``?`` keep their app-wide meaning (switch screens,
    help; shown in the footer) while the filter is empty, and when no table name would match
    with them typed (after "a", `6` opens the SQL console; after "order_202", `3` is typed)."""

    def __init__(self, names: Callable[[], Iterable[str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._names = names

    def _app_key(self, character: str | None) -> bool:
        if character is None or not (character.isdigit() or character == "?"):
            return False
        if not self.value:
            return True
        return not any(matches(self.value + character, name) for name in self._names())

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if self._app_key(character):
            return False
        return super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if self._app_key(event.character):
            event.prevent_default()  # not typed: it goes on to the app's key bindings


class TablesScreen(DbScreen):
    """The table list: the filter input keeps the focus, `up`/`down` move, `enter` opens."""

    SCREEN_NAME = "Tables"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next", show=False, id="tables.next", tooltip="Next table"),
        Binding(
            "up", "move(-1)", "Previous", show=False, id="tables.previous", tooltip="Previous table"
        ),
        Binding("r", "refresh", "Refresh", id="tables.refresh", tooltip="Read the list again"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[TableInfo] = []
        self.shown: list[TableInfo] = []

    @property
    def registry(self) -> Registry:
        return cast("Any", self.app).registry

    def compose_body(self) -> ComposeResult:
        yield Static(Text(f"{TRAIL} · {self.registry.source}"), id="trail", classes="trail")
        yield TableFilter(
            lambda: (t.name for t in self.tables),
            placeholder="type to filter tables — enter opens",
            id="table-filter",
        )
        yield OptionList(id="table-list")
        yield Static(
            Text("reading the catalog…", style="dim"), id="tables-state", classes="view-state"
        )

    def on_mount(self) -> None:
        self.query_one("#table-list", OptionList).can_focus = False
        self.query_one("#table-filter", Input).focus()

    def on_database_changed(self) -> None:
        self.registry.forget()
        self._load()

    def action_refresh(self) -> None:
        self._load()

    @work(exclusive=True, group="tables-load", exit_on_error=False)
    async def _load(self) -> None:
        try:
            self.tables = await self.registry.tables(self.dbapp.manager)
        except Exception as error:  # the database is unreachable: say so, keep the screen
            message = short_error(error, database=self.dbapp.manager.settings)
            self.query_one("#tables-state", Static).update(Text(message))
            raise
        self._show()

    @on(Input.Changed, "#table-filter")
    def _filter_changed(self) -> None:
        self._show()
        self.refresh_bindings()  # digits switch screens only while the filter is empty

    def _show(self) -> None:
        typed = self.query_one("#table-filter", Input).value.strip().lower()
        listed = [t for t in self.tables if matches(typed, t.name)]
        # Names that start with what was typed first: `enter` opens the one meant.
        self.shown = sorted(listed, key=lambda t: not t.name.lower().startswith(typed))
        options = self.query_one("#table-list", OptionList)
        options.clear_options()
        width = max((len(t.name) for t in self.shown), default=0) + 2
        options.add_options(
            Option(Text(escape_control(t.name).ljust(width)) + Text(rows_text(t), style="dim"))
            for t in self.shown
        )
        if self.shown:
            options.highlighted = 0
        state = f"{len(self.shown)} of {len(self.tables)} tables"
        if not self.tables:
            state = "no tables here yet (run the migrations: 4)"
        self.query_one("#tables-state", Static).update(Text(state, style="dim"))

    @on(OptionList.OptionHighlighted, "#table-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.registry.reflected and event.option_index < len(self.shown):
            self._read_ahead(self.shown[event.option_index].name)

    @work(group="tables-read-ahead", exit_on_error=False)
    async def _read_ahead(self, name: str) -> None:
        """Reflect the highlighted table while the user reads the list, so that `enter`
        opens it without waiting (the first reflection of a session also compiles the
        catalog queries: ~40 ms on PostgreSQL). A failure is left for the opening to say."""
        await asyncio.sleep(READ_AHEAD_AFTER)
        options = self.query_one("#table-list", OptionList)
        index = options.highlighted
        if index is None or index >= len(self.shown) or self.shown[index].name != name:
            return  # the highlight moved on
        try:
            await self.registry.entity(self.dbapp.manager, name)
        except Exception as error:
            self.log.warning(f"read-ahead of {name}: {error}")

    def action_move(self, step: int) -> None:
        options = self.query_one("#table-list", OptionList)
        if self.shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, current + step))

    @on(Input.Submitted, "#table-filter")
    def _submitted(self) -> None:
        index = self.query_one("#table-list", OptionList).highlighted
        if index is not None and index < len(self.shown):
            self.open_table(self.shown[index].name)

    @on(OptionList.OptionSelected, "#table-list")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self.open_table(self.shown[event.option_index].name)

    def open_table(self, name: str) -> None:
        """Open `name`'s rows (reflecting it first when the registry reflects)."""
        self._open(name)

    @work(exclusive=True, group="tables-open", exit_on_error=False)
    async def _open(self, name: str) -> None:
        from tui.screens.table import TableScreen

        state = self.query_one("#tables-state", Static)
        state.update(Text(f"opening {escape_control(name)}…", style="dim"))
        spec = await self.registry.entity(self.dbapp.manager, name)
        await self.app.push_screen(TableScreen.open(spec, self.registry, trail=(TRAIL,)))
        self._show()

    def palette_commands(self) -> Any:
        yield ("Refresh tables", "Read the table list again (r)", self.action_refresh)


SCREEN = TablesScreen
