"""`RevisionList`: a generic list of text rows, each with a set of short markers.

It knows columns, rows and markers (plain strings), not Alembic: the screen decides what a row
means. Every value is shown literally (`rich.text.Text`), so markup in data is never interpreted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from tui.cells import escape_control
from tui.widgets.theme_styles import on_theme_change, theme_style

MAX_CELL = 38


@dataclass(frozen=True, slots=True)
class MarkedRow:
    """One row: a unique key, its cells (in column order), markers and an optional row style."""

    key: str
    cells: tuple[str, ...]
    markers: tuple[str, ...] = ()
    style: str = ""


def _clean(value: str, limit: int = MAX_CELL) -> str:
    value = escape_control(value)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return value


@dataclass(frozen=True, slots=True)
class MarkerStyle:
    """How a marker is drawn: its label and a Rich style, which may name theme colours
    (`"bold $text-warning"`, see `tui.widgets.theme_styles`)."""

    label: str
    style: str = ""


class RevisionList(DataTable[Text]):
    """Rows of text plus markers; keeps the cursor on the same key across reloads.

    `columns` are the text columns' titles; the markers column (titled `markers_title`) comes
    after the first `markers_after` of them (default: last). `marker_styles` maps a marker
    name to how it is drawn.
    """

    DEFAULT_CSS = """
    RevisionList { height: 1fr; }
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down", tooltip="Next row"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up", tooltip="Previous row"),
    ]

    @dataclass
    class Highlighted(Message):
        """The cursor moved to the row with `key` (None when the list is empty)."""

        revision_list: RevisionList
        key: str | None

        @property
        def control(self) -> RevisionList:
            return self.revision_list

    def __init__(
        self,
        columns: Sequence[str],
        *,
        marker_styles: dict[str, MarkerStyle] | None = None,
        markers_title: str = "",
        markers_after: int | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._column_titles = tuple(columns)
        self._markers_title = markers_title
        self._markers_after = len(self._column_titles) if markers_after is None else markers_after
        self._marker_styles = dict(marker_styles or {})
        self._rows: list[MarkedRow] = []

    def on_mount(self) -> None:
        self._ensure_columns()
        on_theme_change(self, lambda: self.set_rows(self._rows))

    def _ensure_columns(self) -> None:
        if self.columns:
            return
        titles = list(self._column_titles)
        titles.insert(self._markers_after, self._markers_title)
        for index, title in enumerate(titles):
            key = "__markers__" if index == self._markers_after else title
            self.add_column(Text(title), key=key)

    # -- data ------------------------------------------------------------------------------
    @property
    def rows_shown(self) -> tuple[MarkedRow, ...]:
        return tuple(self._rows)

    @property
    def selected_key(self) -> str | None:
        if not self._rows or self.cursor_row < 0 or self.cursor_row >= len(self._rows):
            return None
        return self._rows[self.cursor_row].key

    def set_rows(self, rows: Sequence[MarkedRow], *, select: str | None = None) -> None:
        """Replace every row; the cursor goes to `select`, else stays on the same key."""
        keep = select or self.selected_key
        self._ensure_columns()
        self._rows = list(rows)
        self.clear()
        widths = [column.label.cell_len for column in self.ordered_columns]
        for row in self._rows:
            style = theme_style(self, row.style)
            cells = [Text(_clean(cell), style=style) for cell in row.cells]
            cells.insert(self._markers_after, self._render_markers(row.markers))
            self.add_row(*cells, key=row.key)
            widths = [max(width, cell.cell_len) for width, cell in zip(widths, cells, strict=True)]
        # Size the columns from the text itself (the idle-time measurement can only widen them):
        # the layout does not depend on when the table is first measured.
        for column, width in zip(self.ordered_columns, widths, strict=True):
            column.content_width = width
        index = next((i for i, row in enumerate(self._rows) if row.key == keep), 0)
        if self._rows:
            self.move_cursor(row=index, animate=False)
        self.post_message(self.Highlighted(self, self.selected_key))

    def _render_markers(self, markers: Sequence[str]) -> Text:
        text = Text()
        for marker in markers:
            shown = self._marker_styles.get(marker, MarkerStyle(marker))
            if text:
                text.append(" ")
            text.append(shown.label, style=theme_style(self, shown.style))
        return text

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self, event.row_key.value))
