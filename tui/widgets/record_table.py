"""RecordTable: a virtual, paged table for tables of any size.

A `ScrollView` drawn with the Line API whose virtual height is the row count (plus a fixed header
line). It never holds the whole table: rows come from a `RowSource` page by page (see
`tui.widgets.paging`) and only a few pages are kept. Every value is drawn literally through
`tui.cells`, so markup and control characters in data cannot style or break the screen.

Screens adapt a repository to a `RowSource`; the table knows only columns and rows::

    table = RecordTable(columns=[Column("id", "ID", 6, align="right"), ...], source=source)

    @on(RecordTable.RowSelected, "#users")
    def open_user(self, event: RecordTable.RowSelected) -> None: ...

After edits, filter or sort changes call `table.reload()` (optionally with a new source).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tui.cells import cell_parts, escape_control, fit, raw_text
from tui.rows import CELL_PADDING, Column, RowSource, TableRow
from tui.widgets.paging import Fetch, PagedRows

__all__ = ["RecordTable"]

LOADING_DELAY = 0.15
"""Seconds a fetch may take before the loading indicator shows."""
END = -1
"""`go_to_row(END)`: the last row, once the count says which it is."""


@dataclass
class TableMessage(Message):
    """Base of the `RecordTable` messages: `control` is the table that posted it."""

    record_table: RecordTable

    @property
    def control(self) -> RecordTable:
        return self.record_table


class RecordTable(ScrollView, can_focus=True):
    """A bounded, keyset-paged table with a row cursor and a current column."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_row", "Open", id="record_table.open", tooltip="Open this row"),
        Binding(
            "s",
            "sort",
            "Sort",
            id="record_table.sort",
            tooltip="Sort by the current column (again to reverse)",
        ),
        Binding(
            "y",
            "copy_cell",
            "Copy",
            id="record_table.copy",
            tooltip="Copy the current cell",
            show=False,
        ),
        Binding(
            "down,j",
            "cursor_down",
            "Down",
            show=False,
            id="record_table.down",
            tooltip="Next row",
        ),
        Binding(
            "up,k", "cursor_up", "Up", show=False, id="record_table.up", tooltip="Previous row"
        ),
        Binding(
            "left,h",
            "cursor_left",
            "Left",
            show=False,
            id="record_table.left",
            tooltip="Previous column",
        ),
        Binding(
            "right,l",
            "cursor_right",
            "Right",
            show=False,
            id="record_table.right",
            tooltip="Next column",
        ),
        Binding(
            "pagedown,ctrl+f",
            "page_down",
            "Page down",
            show=False,
            id="record_table.page_down",
            tooltip="One screen of rows down",
        ),
        Binding(
            "pageup,ctrl+b",
            "page_up",
            "Page up",
            show=False,
            id="record_table.page_up",
            tooltip="One screen of rows up",
        ),
        Binding(
            "home,g",
            "first_row",
            "First",
            show=False,
            id="record_table.first",
            tooltip="Jump to the first row",
        ),
        Binding(
            "end,G",
            "last_row",
            "Last",
            show=False,
            id="record_table.last",
            tooltip="Jump to the last row",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-table--header",
        "record-table--header-cursor",
        "record-table--cursor",
        "record-table--cursor-cell",
        "record-table--placeholder",
        "record-table--true",
        "record-table--false",
    }

    DEFAULT_CSS = """
    RecordTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        border: round $foreground 20%;
        border-subtitle-color: $text-muted;
        border-title-color: $text-muted;
        &:focus {
            border: round $primary;
            background-tint: $foreground 3%;
            & > .record-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .record-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .record-table--header-cursor {
            text-style: bold underline;
        }
        & > .record-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .record-table--cursor-cell {
            text-style: bold underline;
        }
        & > .record-table--placeholder {
            color: $text-muted;
        }
        & > .record-table--true {
            color: $text-success;
        }
        & > .record-table--false {
            color: $text-error;
        }
    }
    """

    # ------------------------------------------------------------------------------ messages
    @dataclass
    class RowHighlighted(TableMessage):
        """The cursor rests on a loaded row."""

        row_index: int
        row_id: Hashable

    @dataclass
    class RowSelected(TableMessage):
        """`enter` (or a click on the cursor row) on a loaded row."""

        row_id: Hashable

    @dataclass
    class SortRequested(TableMessage):
        """The user asked for a server-side sort; the screen reloads with a new source."""

        column_key: str
        descending: bool

    @dataclass
    class Counted(TableMessage):
        """The total of the current view is known (`estimated`: a statistics estimate)."""

        total: int
        estimated: bool

    @dataclass
    class LoadFailed(TableMessage):
        """A fetch or count raised; the table keeps what it had and retries on the next move.

        The table does not notify by itself: handle this message (the app does, masking
        secrets) to tell the user.
        """

        error: BaseException

    # ------------------------------------------------------------------------------- set-up
    def __init__(
        self,
        columns: list[Column] | tuple[Column, ...],
        source: RowSource | None = None,
        *,
        page_size: int = 100,
        max_pages: int = 8,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._columns: tuple[Column, ...] = tuple(columns)
        self._source = source
        self._rows = PagedRows(page_size=page_size, max_pages=max_pages)
        self._generation = 0
        self._cursor_row = 0
        self._cursor_column = 0
        self._sort: tuple[str, bool] | None = None
        self._strip_cache: LRUCache[tuple[int, int], Strip] = LRUCache(maxsize=256)
        self._loader_active = False
        self._count_pending = False
        #: The generation whose count waits for its first rows to be on screen.
        self._count_owed: int | None = None
        self._fetching = False
        self._loading_timer: Timer | None = None
        self._show_loading = False
        self._error: str | None = None
        self._last_highlight: tuple[int, Hashable] | None = None
        self._row_after_count: int | None = None  # a jump waiting for the count (END: last)
        self._ready = False
        self._base_style: Style | None = None
        self._update_virtual_size()

    # -------------------------------------------------------------------------- public API
    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def source(self) -> RowSource | None:
        return self._source

    @property
    def cursor_row(self) -> int:
        """Index (0-based) of the row under the cursor in the whole ordered result."""
        return self._cursor_row

    @property
    def cursor_column(self) -> int:
        """Index of the current column (used by `s` and `y`)."""
        return self._cursor_column

    @property
    def current_column(self) -> Column | None:
        return self._columns[self._cursor_column] if self._columns else None

    @property
    def current_row(self) -> TableRow | None:
        """The row under the cursor, if it is loaded."""
        return self._rows.row(self._cursor_row)

    @property
    def row_count(self) -> int:
        """The total row count as known so far (see `count_estimated` / `count_known`)."""
        return self._rows.total

    @property
    def count_known(self) -> bool:
        return self._rows.total_known

    @property
    def count_estimated(self) -> bool:
        return self._rows.estimated

    @property
    def cached_row_count(self) -> int:
        """Rows held in memory: at most `page_size * max_pages`."""
        return self._rows.cached_row_count

    @property
    def max_cached_rows(self) -> int:
        return self._rows.page_size * self._rows.max_pages

    @property
    def is_loading(self) -> bool:
        """True while a page fetch or the count is running or pending."""
        return self._loader_active or self._count_pending

    @property
    def sort(self) -> tuple[str, bool] | None:
        """The sort shown in the header: (column key, descending), or None."""
        return self._sort

    def set_sort(self, column_key: str | None, descending: bool = False) -> None:
        """Show `column_key` as the sorted column (the screen's source does the sorting)."""
        self._sort = None if column_key is None else (column_key, descending)
        self.refresh()

    @property
    def position_text(self) -> str:
        """E.g. "row 1,204 of 1,000,000", "row 3 of ~52,000", "row 100 of 100+"."""
        rows = self._rows
        if rows.total_known and rows.total == 0:
            return "no rows"
        if rows.total == 0:
            return "loading…"
        total = f"{'~' if rows.estimated else ''}{rows.total:,}{'' if rows.total_known else '+'}"
        return f"row {self._cursor_row + 1:,} of {total}"

    def row_at(self, index: int) -> TableRow | None:
        """The row at `index` if it is loaded."""
        return self._rows.row(index)

    def set_columns(self, columns: list[Column] | tuple[Column, ...]) -> None:
        """Replace the column set (e.g. a different view); call `reload` to refetch rows."""
        self._columns = tuple(columns)
        self._cursor_column = min(self._cursor_column, max(0, len(self._columns) - 1))
        self._strip_cache.clear()
        self._update_virtual_size()
        self.refresh()

    def reload(self, source: RowSource | None = None, keep_position: bool = True) -> None:
        """Drop cached rows and fetch again (after edits, filter or sort changes).

        With `keep_position` the cursor stays on the same row number (clamped to the new
        total); otherwise it goes back to the first row. A view that was empty is read
        afresh (its known total of 0 would plan no fetch: a row just added never showed).
        """
        self._generation += 1
        if source is not None:
            self._source = source
        self._error = None
        self._last_highlight = None
        self._strip_cache.clear()
        if keep_position and self._rows.total:
            self._rows.clear()
        else:
            self._rows.reset()
            self._cursor_row = 0
            self.scroll_to(y=0, animate=False, force=True)
        self._update_virtual_size()
        self._update_position()
        self.refresh()
        if self._ready:
            self._count_after_rows()
            self._request_pages()

    def go_to_row(self, row: int) -> None:
        """Put the cursor on `row` (a jump: `END` is the last row). Past the rows seen while
        the count is not known yet (the first page still loading), it lands when the count
        comes, instead of on the last row seen so far."""
        if row != END and (self._rows.total_known or row < self._rows.total):
            self.move_cursor(row=row)
        elif self._rows.total_known:
            self.move_cursor(row=self._rows.total - 1)
        else:
            self._row_after_count = row
            if not self._count_pending:
                self._count_now()

    def move_cursor(self, row: int | None = None, column: int | None = None) -> None:
        """Put the cursor on `row` / `column` (clamped) and scroll it into view."""
        if row is not None:
            self._row_after_count = None  # the last move wins over a jump still waiting
        if column is not None and self._columns:
            self._cursor_column = max(0, min(column, len(self._columns) - 1))
        if row is not None:
            limit = self._rows.total - 1
            if not self._rows.total_known:
                limit = self._rows.total  # one past what has been seen: triggers the next page
            self._cursor_row = max(0, min(row, max(limit, 0)))
        self._scroll_cursor_into_view()
        self._update_position()
        self._post_highlight()
        self._request_pages()
        self.refresh()

    # ---------------------------------------------------------------------------- lifecycle
    def _on_mount(self, event: events.Mount) -> None:
        self._ready = True
        self._update_position()
        if self._source is not None:
            self._count_after_rows()
            self._request_pages()

    def _on_resize(self, event: events.Resize) -> None:
        self._scroll_cursor_into_view()
        self._request_pages()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strip_cache.clear()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._request_pages()

    # ------------------------------------------------------------------------------ actions
    @property
    def _data_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor_row - 1)

    def action_cursor_left(self) -> None:
        self.move_cursor(column=self._cursor_column - 1)
        self._scroll_column_into_view()

    def action_cursor_right(self) -> None:
        self.move_cursor(column=self._cursor_column + 1)
        self._scroll_column_into_view()

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor_row + self._data_height)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor_row - self._data_height)

    def action_first_row(self) -> None:
        self.move_cursor(row=0)

    def action_last_row(self) -> None:
        self.go_to_row(END)

    def action_select_row(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.RowSelected(self, row.id))

    def action_sort(self) -> None:
        column = self.current_column
        if column is None:
            return
        if not column.sortable:
            why = f": {column.unsortable_reason}" if column.unsortable_reason else ""
            self.notify(f"Cannot sort by {column.label}{why}", severity="warning", markup=False)
            return
        descending = self._sort == (column.key, False)
        self._sort = (column.key, descending)
        self.refresh()
        self.post_message(self.SortRequested(self, column.key, descending))

    def action_copy_cell(self) -> None:
        row = self.current_row
        column = self.current_column
        if row is None or column is None:
            self.notify("Nothing to copy yet", severity="warning", markup=False)
            return
        value = row.cells[self._cursor_column] if self._cursor_column < len(row.cells) else None
        text = raw_text(value)
        self.app.copy_to_clipboard(text)
        preview = text if len(text) <= 40 else text[:39] + "…"
        self.notify(f"Copied {column.label}: {preview!r}", markup=False)

    # -------------------------------------------------------------------------------- mouse
    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        column = self._column_at(offset.x + int(self.scroll_x))
        if offset.y == 0:
            if column is not None:
                self._cursor_column = column
                self.action_sort()
            return
        index = int(self.scroll_y) + offset.y - 1
        if index >= self._rows.total:
            return
        again = index == self._cursor_row
        self.move_cursor(row=index, column=column)
        if again:
            self.action_select_row()
        event.stop()

    def _column_at(self, x: int) -> int | None:
        left = 0
        for number, column in enumerate(self._columns):
            if left <= x < left + column.render_width:
                return number
            left += column.render_width
        return None

    # ------------------------------------------------------------------------------ loading
    def _wanted_pages(self) -> list[int]:
        """Pages needed now, most important first: cursor, viewport, then a prefetch.

        The prefetch is only asked for while it fits in the cache; the viewport itself is
        always served (a viewport taller than the cache briefly holds more pages).
        """
        rows = self._rows
        size = rows.page_size
        top = max(0, int(self.scroll_y))
        height = self._data_height
        cursor_page = self._cursor_row // size
        bottom_page = (top + height - 1) // size
        wanted = [cursor_page, *range(top // size, bottom_page + 1)]
        margin = max(size // 4, min(height, size // 2))
        prefetch = []
        if self._cursor_row % size >= size - margin or (top + height) % size >= size - margin:
            prefetch.append(max(cursor_page, bottom_page) + 1)
        if self._cursor_row % size < margin and cursor_page > 0:
            prefetch.append(cursor_page - 1)
        unique = list(dict.fromkeys(page for page in wanted if 0 <= page <= rows.max_page))
        for page in prefetch:
            if len(unique) < rows.max_pages and 0 <= page <= rows.max_page and page not in unique:
                unique.append(page)
        return unique

    def _request_pages(self) -> None:
        """Start the loader unless it is already running (it re-plans after each fetch)."""
        if self._loader_active or self._source is None or not self._ready:
            return
        if self._rows.plan(self._wanted_pages()) is None:
            return
        self._loader_active = True
        self._loader()

    @work(exclusive=True, group="record-table-loader", exit_on_error=False)
    async def _loader(self) -> None:
        """Fetch missing pages one at a time until what is wanted is loaded."""
        try:
            while self._source is not None:
                fetch = self._rows.plan(self._wanted_pages())
                if fetch is None:
                    break
                generation = self._generation
                rows = await self._run_fetch(fetch)
                if rows is None:
                    self._start_owed_count()  # no rows to wait for
                    break  # failed: retried on the next cursor move or scroll
                if generation != self._generation:
                    continue  # a reload happened meanwhile: results belong to the old view
                self._store(fetch, rows)
                if not self._rows.total:
                    self._start_owed_count()  # no rows to draw
        finally:
            self._loader_active = False
            self._set_fetching(False)

    async def _run_fetch(self, fetch: Fetch) -> list[TableRow] | None:
        source = self._source
        assert source is not None
        self._set_fetching(True)
        try:
            return await fetch.run(source)
        except Exception as error:  # any database error: report, keep the app running
            self._report_error(error)
            return None
        finally:
            self._set_fetching(False)

    def _store(self, fetch: Fetch, rows: list[TableRow]) -> None:
        before = (self._rows.total, self._rows.total_known)
        self._rows.apply(fetch, rows)
        self._error = None
        if (self._rows.total, self._rows.total_known) != before:
            self._update_virtual_size()
            if self._rows.total_known and self._cursor_row >= self._rows.total:
                self._cursor_row = max(0, self._rows.total - 1)
                self._scroll_cursor_into_view()
        self._update_position()
        self._post_highlight()
        self.refresh()

    def _count_after_rows(self) -> None:
        """Count this view once its first rows are drawn (`_line_for`; at once when it has
        none or the fetch failed): the first frame never waits for (or shares the machine
        with) a count, which on a big table takes longer than the first page. Until then the
        count is pending (`is_loading`; `G` waits for it)."""
        lazy = getattr(self._source, "count_on_demand", False)
        if self._source is not None and self._ready and not lazy:
            self._count_pending = True
            self._count_owed = self._generation

    def _start_owed_count(self) -> None:
        if self._count_owed is not None and self._count_owed == self._generation:
            self._count_owed = None
            self.call_later(self._start_count_of, self._generation)  # after this frame

    def _start_count_of(self, generation: int) -> None:
        if generation == self._generation and self._source is not None:
            self._load_count(self._source, generation)

    def _count_now(self) -> None:
        """Count the rows now (`G` asks; also a source with `count_on_demand`, for which
        counting means reading every row, e.g. a streamed query)."""
        if self._source is not None and self._ready:
            self._count_pending = True
            self._count_owed = None
            self._load_count(self._source, self._generation)

    # Not exclusive: a superseded count finishes and is ignored (generation check) rather than
    # being cancelled mid-query, which some drivers handle badly.
    @work(group="record-table-count", exit_on_error=False)
    async def _load_count(self, source: RowSource, generation: int) -> None:
        try:
            total, estimated = await source.count()
        except Exception as error:
            if generation == self._generation:
                self._count_pending = False
                self._report_error(error)
            return
        if generation != self._generation:
            return
        self._count_pending = False
        self._rows.set_count(total, estimated)
        self.post_message(self.Counted(self, total, estimated))
        self._update_virtual_size()
        if self._cursor_row >= self._rows.total:
            self._cursor_row = max(0, self._rows.total - 1)
        if self._row_after_count is not None:
            row = self._row_after_count
            self.move_cursor(row=self._rows.total - 1 if row == END else row)
        self._update_position()
        self.refresh()
        self._request_pages()

    def _report_error(self, error: BaseException) -> None:
        # No notification here: the screen or app handles `LoadFailed` (and knows which
        # secrets to mask); the subtitle shows that rows are missing.
        self._error = type(error).__name__
        self._update_position()
        self.post_message(self.LoadFailed(self, error))

    def _set_fetching(self, fetching: bool) -> None:
        self._fetching = fetching
        if self._loading_timer is not None:
            self._loading_timer.stop()
            self._loading_timer = None
        if fetching and self._ready:
            self._loading_timer = self.set_timer(LOADING_DELAY, self._show_loading_indicator)
        elif self._show_loading:
            self._show_loading = False
            self._update_position()

    def _show_loading_indicator(self) -> None:
        if self._fetching:
            self._show_loading = True
            self._update_position()

    # ----------------------------------------------------------------------------- geometry
    def _update_virtual_size(self) -> None:
        width = sum(column.render_width for column in self._columns)
        self.virtual_size = Size(width, self._rows.total + 1)

    def _update_position(self) -> None:
        text = self.position_text
        if self._show_loading:
            text += " · loading…"
        if self._error:
            text += " · ⚠ load failed"
        self.border_subtitle = text

    def _scroll_cursor_into_view(self) -> None:
        if not self._ready or self.scrollable_content_region.height <= 1:
            return
        top = int(self.scroll_y)
        height = self._data_height
        row = self._cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, force=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, force=True)

    def _scroll_column_into_view(self) -> None:
        if not self._columns:
            return
        left = sum(c.render_width for c in self._columns[: self._cursor_column])
        right = left + self._columns[self._cursor_column].render_width
        view_left = int(self.scroll_x)
        view_width = self.scrollable_content_region.width
        if left < view_left:
            self.scroll_to(x=left, animate=False, force=True)
        elif right > view_left + view_width:
            self.scroll_to(x=max(0, right - view_width), animate=False, force=True)

    def _post_highlight(self) -> None:
        row = self.current_row
        if row is None:
            return
        marker = (self._cursor_row, row.id)
        if marker != self._last_highlight:
            self._last_highlight = marker
            self.post_message(self.RowHighlighted(self, self._cursor_row, row.id))

    # ---------------------------------------------------------------------------- rendering
    def render_lines(self, crop: Region) -> list[Strip]:
        """The lines of `crop`; the widget's style (its ancestors' backgrounds) is looked up
        once for them all, not once per line."""
        self._base_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base_style = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        base = self._base_style or self.rich_style
        line = self._header_strip() if y == 0 else self._line_for(int(self.scroll_y) + y - 1)
        return line.crop_extend(scroll_x, scroll_x + width, base)

    def _line_for(self, index: int) -> Strip:
        rows = self._rows
        if index >= rows.total:
            if index == 0 and rows.total_known:
                return self._message_strip("No rows")
            return Strip.blank(0)
        page = rows.get_page(index // rows.page_size)
        offset = index % rows.page_size
        strip: Strip | None
        if page is None or offset >= len(page.rows):
            strip = self._message_strip("…")
        else:
            key = (page.token, offset)
            strip = self._strip_cache.get(key)
            if strip is None:
                strip = self._render_row(page.rows[offset])
                self._strip_cache[key] = strip
            if self._count_owed is not None:
                self._start_owed_count()
        if index != self._cursor_row:
            return strip
        cursor_style = self.get_component_rich_style("record-table--cursor")
        styled = strip.apply_style(cursor_style)
        if not self._columns:
            return styled
        left = sum(c.render_width for c in self._columns[: self._cursor_column])
        right = left + self._columns[self._cursor_column].render_width
        pieces = styled.divide([left, right, max(right, styled.cell_length)])
        if len(pieces) < 2:
            return styled
        cell_style = self.get_component_rich_style("record-table--cursor-cell")
        pieces = list(pieces)
        pieces[1] = pieces[1].apply_style(cell_style)
        return Strip.join(pieces)

    def _render_row(self, row: TableRow) -> Strip:
        """One row as a strip: the unstyled text between styled values is one segment."""
        yes = self.get_component_rich_style("record-table--true", partial=True)
        no = self.get_component_rich_style("record-table--false", partial=True)
        pad = " " * CELL_PADDING
        segments: list[Segment] = []
        plain: list[str] = []
        cells = row.cells
        for number, column in enumerate(self._columns):
            value = cells[number] if number < len(cells) else None
            before, cell, after = cell_parts(value, column.width, column.align, yes, no)
            plain.append(pad + " " * before)
            if cell.style is None:
                plain.append(cell.text)
            else:
                segments.extend((Segment("".join(plain)), cell))
                plain = []
            plain.append(" " * after + pad)
        segments.append(Segment("".join(plain)))
        return Strip(segments, sum(column.render_width for column in self._columns))

    def _message_strip(self, message: str) -> Strip:
        style = self.get_component_rich_style("record-table--placeholder")
        text = " " * CELL_PADDING + message
        return Strip([Segment(text, style)], len(text))

    def _header_strip(self) -> Strip:
        header_style = self.get_component_rich_style("record-table--header")
        cursor_style = self.get_component_rich_style("record-table--header-cursor")
        pad = " " * CELL_PADDING
        segments: list[Segment] = []
        for number, column in enumerate(self._columns):
            label = column.label
            if self._sort is not None and self._sort[0] == column.key:
                label += " ▼" if self._sort[1] else " ▲"
            style = header_style + cursor_style if number == self._cursor_column else header_style
            segments.append(Segment(pad, header_style))
            segments.append(Segment(fit(escape_control(label), column.width, column.align), style))
            segments.append(Segment(pad, header_style))
        width = sum(column.render_width for column in self._columns)
        total_width = max(width, self.size.width)
        return Strip(segments, width).extend_cell_length(total_width, header_style)

    @property
    def extra_info(self) -> dict[str, Any]:
        """Counters for diagnostics and tests."""
        return {
            "cached_pages": self._rows.cached_pages,
            "cached_rows": self._rows.cached_row_count,
            "total": self._rows.total,
            "generation": self._generation,
        }
