"""RecordTable driven through a pilot, fed by a real SQLite table with keyset queries."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from textual.app import ComposeResult

from tests.functional.pilot_waits import notifications, wait_until
from tui.message_history import RemembersMessages
from tui.rows import Column, TableRow
from tui.widgets.record_table import RecordTable

ROWS = 10_000
SPECIAL = {
    3: "[bold]x[/]",
    4: "[/]",
    5: "\x1b[31mred",
    6: "nul\x00byte",
    7: "[link=http://example.com]click[/link]",
}
COLUMNS = [
    Column("id", "ID", 6, align="right"),
    Column("name", "Name", 24),
    Column("score", "Score", 6, align="right"),
    Column("note", "Note", 10, sortable=False),
]


def make_items_db(path: Path, rows: int = ROWS) -> Path:
    """A real SQLite file with `rows` items; a few names hold markup and control characters."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "score INTEGER NOT NULL, note TEXT)"
        )
        conn.executemany(
            "INSERT INTO items (id, name, score, note) VALUES (?, ?, ?, ?)",
            (
                (
                    i,
                    SPECIAL.get(i, f"item {i:05d}"),
                    (i * 7919) % 1000,
                    None if i % 3 == 0 else f"note {i}",
                )
                for i in range(1, rows + 1)
            ),
        )
        conn.execute("CREATE INDEX ix_items_name_id ON items (name, id)")
    return path


class SqliteItems:
    """A `RowSource` over the items table: keyset paging on (sort column, id)."""

    def __init__(
        self, path: Path, sort: str = "id", descending: bool = False, table: str = "items"
    ) -> None:
        self.path = path
        self.sort = sort
        self.descending = descending
        self.table = table
        self.calls: list[tuple[str, Any, int]] = []
        self.estimated = False

    async def _query(self, where: str, params: tuple[Any, ...], reverse: bool, limit: int):
        desc = self.descending != reverse
        order = "DESC" if desc else "ASC"
        sql = (
            f"SELECT id, name, score, note, {self.sort} FROM {self.table} {where} "
            f"ORDER BY {self.sort} {order}, id {order} LIMIT ?"
        )
        async with aiosqlite.connect(self.path) as conn:
            cursor = await conn.execute(sql, (*params, limit))
            found = await cursor.fetchall()
        rows = [TableRow(key=(r[4], r[0]), id=r[0], cells=tuple(r[:4])) for r in found]
        return rows[::-1] if reverse else rows

    def _after(self, key: Any, reverse: bool) -> tuple[str, tuple[Any, ...]]:
        if key is None:
            return "", ()
        forward = not reverse
        op = ">" if forward != self.descending else "<"
        return f"WHERE ({self.sort}, id) {op} (?, ?)", tuple(key)

    async def count(self) -> tuple[int, bool]:
        self.calls.append(("count", None, 0))
        async with aiosqlite.connect(self.path) as conn:
            cursor = await conn.execute(f"SELECT count(*) FROM {self.table}")
            (total,) = await cursor.fetchone()
        return total, self.estimated

    async def fetch_after(self, key: Any, limit: int) -> list[TableRow]:
        self.calls.append(("after", key, limit))
        where, params = self._after(key, reverse=False)
        return await self._query(where, params, False, limit)

    async def fetch_before(self, key: Any, limit: int) -> list[TableRow]:
        self.calls.append(("before", key, limit))
        where, params = self._after(key, reverse=True)
        return await self._query(where, params, True, limit)

    async def fetch_at(self, offset: int, limit: int) -> list[TableRow]:
        self.calls.append(("at", offset, limit))
        desc = "DESC" if self.descending else "ASC"
        sql = (
            f"SELECT id, name, score, note, {self.sort} FROM {self.table} "
            f"ORDER BY {self.sort} {desc}, id {desc} LIMIT ? OFFSET ?"
        )
        async with aiosqlite.connect(self.path) as conn:
            cursor = await conn.execute(sql, (limit, offset))
            found = await cursor.fetchall()
        return [TableRow(key=(r[4], r[0]), id=r[0], cells=tuple(r[:4])) for r in found]


class SlowCount(SqliteItems):
    """Items whose count waits until `gate` is set (a count slower than the first page)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = asyncio.Event()

    async def count(self) -> tuple[int, bool]:
        self.calls.append(("count asked", None, 0))
        await self.gate.wait()
        return await super().count()


class TableApp(RemembersMessages[None]):
    """Hosts one RecordTable, records the messages it posts (`posted`) and the notifications
    it shows (`messages`, as dbtui does)."""

    def __init__(self, source: SqliteItems, page_size: int = 100, max_pages: int = 8) -> None:
        super().__init__()
        self.source = source
        self.page_size = page_size
        self.max_pages = max_pages
        self.posted: list[Any] = []

    def compose(self) -> ComposeResult:
        yield RecordTable(
            COLUMNS, self.source, page_size=self.page_size, max_pages=self.max_pages, id="items"
        )

    def on_record_table_row_highlighted(self, message: RecordTable.RowHighlighted) -> None:
        self.posted.append(message)

    def on_record_table_row_selected(self, message: RecordTable.RowSelected) -> None:
        self.posted.append(message)

    def on_record_table_sort_requested(self, message: RecordTable.SortRequested) -> None:
        self.posted.append(message)

    def on_record_table_load_failed(self, message: RecordTable.LoadFailed) -> None:
        self.posted.append(message)


async def settle(pilot: Any, table: RecordTable) -> None:
    """Wait until the table has no fetch running and the screen has caught up."""
    for _ in range(200):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        if not table.is_loading:
            await pilot.pause()
            return
    raise AssertionError("table kept loading")


def screen_lines(table: RecordTable) -> list[str]:
    """The text of every line the table draws right now (what the user sees)."""
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


@pytest.fixture
def items_db(tmp_path: Path) -> Path:
    return make_items_db(tmp_path / "items.db")


async def test_first_page_and_cursor_moves(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        assert table.row_at(0) is not None and table.row_at(0).id == 1
        assert table.position_text == "row 1 of 10,000"
        assert table.border_subtitle == "row 1 of 10,000"
        await pilot.press("j", "j", "down")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2
        assert table.current_row is not None and table.current_row.id == 3
        assert table.position_text == "row 3 of 10,000"
        highlighted = [m.row_id for m in app.posted if isinstance(m, RecordTable.RowHighlighted)]
        assert highlighted[-1] == 3
        await pilot.press("enter")
        await pilot.pause()
        selected = [m.row_id for m in app.posted if isinstance(m, RecordTable.RowSelected)]
        assert selected == [3]
        assert table.cached_row_count == 100  # only the first page was fetched


async def test_paging_past_first_page_uses_keyset(items_db: Path) -> None:
    source = SqliteItems(items_db)
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        for _ in range(12):
            await pilot.press("pagedown")
        await settle(pilot, table)
        assert table.cursor_row > 150
        row = table.current_row
        assert row is not None and row.id == table.cursor_row + 1
        assert table.position_text == f"row {table.cursor_row + 1:,} of 10,000"
        kinds = [call[0] for call in source.calls]
        assert "after" in kinds and "at" not in kinds
        # The keyset fetch continues from the last row of the first page.
        assert ("after", (100, 100), 100) in source.calls
        line_ids = [line.split()[0] for line in screen_lines(table)[1:] if line.strip()]
        assert str(row.id) in line_ids


async def test_end_jumps_to_last_row_and_home_back(items_db: Path) -> None:
    source = SqliteItems(items_db)
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        await pilot.press("G")
        await settle(pilot, table)
        assert table.cursor_row == ROWS - 1
        assert table.current_row is not None and table.current_row.id == ROWS
        assert table.position_text == "row 10,000 of 10,000"
        assert ("before", None, 100) in source.calls  # reverse keyset, no OFFSET
        assert not [call for call in source.calls if call[0] == "at"]
        lines = screen_lines(table)
        assert lines[-1].split()[0] == str(ROWS)
        await pilot.press("g")
        await settle(pilot, table)
        assert table.cursor_row == 0
        assert table.current_row is not None and table.current_row.id == 1
        await pilot.press("end")
        await settle(pilot, table)
        assert table.current_row is not None and table.current_row.id == ROWS
        await pilot.press("home")
        await settle(pilot, table)
        assert table.position_text == "row 1 of 10,000"


async def test_far_jump_uses_offset_then_keyset(items_db: Path) -> None:
    source = SqliteItems(items_db)
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        table.scroll_to(y=5_000, animate=False)  # what a scrollbar drag does
        await settle(pilot, table)
        assert ("at", 5_000, 100) in source.calls
        lines = screen_lines(table)
        assert lines[1].split()[0] == "5001"
        # The cursor follows into the loaded region by keyset, not by another offset query.
        table.move_cursor(row=5_000)
        await settle(pilot, table)
        for _ in range(6):
            await pilot.press("pagedown")
        await settle(pilot, table)
        assert table.current_row is not None and table.current_row.id == table.cursor_row + 1
        assert [c for c in source.calls if c[0] == "at"] == [("at", 5_000, 100)]


async def test_sort_message_and_reverse(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        await pilot.press("right", "s")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        sorts = [
            (m.column_key, m.descending)
            for m in app.posted
            if isinstance(m, RecordTable.SortRequested)
        ]
        assert sorts == [("name", False), ("name", True)]
        assert "Name ▼" in screen_lines(table)[0]
        # A column that cannot be sorted posts nothing.
        await pilot.press("right", "right", "s")
        await pilot.pause()
        assert len([m for m in app.posted if isinstance(m, RecordTable.SortRequested)]) == 2


async def test_reload_with_sorted_source(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        table.reload(SqliteItems(items_db, sort="name", descending=True), keep_position=False)
        table.set_sort("name", descending=True)
        await settle(pilot, table)
        first = table.row_at(0)
        assert first is not None and first.cells[1] == "nul\x00byte"  # the largest name
        await pilot.press("G")
        await settle(pilot, table)
        last = table.current_row
        assert last is not None and last.cells[1] == "\x1b[31mred"  # the smallest name
        assert table.position_text == "row 10,000 of 10,000"


async def test_copy_cell(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        await pilot.press("j", "j", "right", "y")
        await pilot.pause()
        assert app.clipboard == "[bold]x[/]"
        assert any("Copied Name" in n for n in notifications(app))


async def test_values_are_shown_literally(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db))
    async with app.run_test(size=(100, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        lines = screen_lines(table)
        text = "\n".join(lines)
        assert "[bold]x[/]" in text
        assert " [/] " in text
        assert "\\x1b[31mred" in text
        assert "nul\\x00byte" in text
        assert "[link=http://example.co…" in text
        assert "\x1b" not in text and "\x00" not in text
        assert "∅" in lines[3]  # id 3 has a NULL note
        # The markup row carries no bold or link styles from its data.
        strip = table.render_line(4)  # id 4 "[/]" (not the cursor row)
        assert all(seg.style is None or not seg.style.link for seg in strip)
        strip = table.render_line(3)
        assert all(seg.style is None or not seg.style.bold for seg in strip)
        # Taking a real screenshot works (nothing raised while rendering the markup rows).
        assert "[bold]x[/]" in app.export_screenshot().replace("&#160;", " ").replace(
            "&#91;", "["
        ).replace("&#93;", "]")


async def test_memory_stays_bounded(tmp_path: Path) -> None:
    path = make_items_db(tmp_path / "small.db", rows=1_000)
    app = TableApp(SqliteItems(path), page_size=25, max_pages=4)
    async with app.run_test(size=(80, 50)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        assert table.max_cached_rows == 100
        seen: set[int] = set()
        while table.cursor_row < 999:
            await pilot.press("pagedown")
            await settle(pilot, table)
            row = table.current_row
            assert row is not None and row.id == table.cursor_row + 1
            seen.add(row.id)
            assert table.cached_row_count <= table.max_cached_rows
        assert table.position_text == "row 1,000 of 1,000"
        assert len(seen) > 20
        lines = screen_lines(table)
        assert lines[-1].split()[0] == "1000"


async def test_count_arrives_after_first_page(items_db: Path) -> None:
    source = SlowCount(items_db)
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        for _ in range(100):
            await pilot.pause()
            if table.row_at(0) is not None:
                break
        assert table.row_at(0) is not None
        assert table.position_text == "row 1 of 100+"
        source.gate.set()
        await settle(pilot, table)
        assert table.position_text == "row 1 of 10,000"


async def test_a_jump_made_while_the_count_is_pending_lands_once_it_comes(
    items_db: Path,
) -> None:
    """`o` (open the referenced row) jumps to a row found by its position: when that comes
    before the count, the cursor must not stay on the last row seen so far."""
    source = SlowCount(items_db)
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await wait_until(pilot, lambda: table.row_at(0) is not None, "the first page")
        table.go_to_row(4_999)  # past the first page (100 rows seen), count not known yet
        await pilot.pause()
        assert table.position_text.startswith("row 1 of")  # no partial jump
        source.gate.set()
        await wait_until(pilot, lambda: table.position_text == "row 5,000 of 10,000", "the jump")
        await wait_until(pilot, lambda: table.current_row is not None, "the row")
        assert table.current_row.id == 5_000  # type: ignore[union-attr]
        await pilot.press("j")  # and the user's own moves go on from there
        assert table.position_text == "row 5,001 of 10,000"


async def test_estimated_count_is_marked(items_db: Path) -> None:
    source = SqliteItems(items_db)
    source.estimated = True
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        assert table.position_text == "row 1 of ~10,000"


async def test_database_error_is_reported_not_fatal(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db, table="missing_table"))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        failures = [m for m in app.posted if isinstance(m, RecordTable.LoadFailed)]
        assert failures and "no such table" in str(failures[0].error)
        assert "load failed" in str(table.border_subtitle)
        await pilot.press("j")  # still answering keys
        table.reload(SqliteItems(items_db))
        await settle(pilot, table)
        assert table.row_at(0) is not None
        assert "load failed" not in str(table.border_subtitle)


async def test_reload_shows_changed_rows(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        await pilot.press("j")
        with sqlite3.connect(items_db) as conn:
            conn.execute("UPDATE items SET name = 'renamed' WHERE id = 2")
            conn.execute("DELETE FROM items WHERE id > 9000")
        table.reload()
        await settle(pilot, table)
        assert table.cursor_row == 1
        assert table.current_row is not None and table.current_row.cells[1] == "renamed"
        assert table.position_text == "row 2 of 9,000"


async def test_empty_table(tmp_path: Path) -> None:
    path = make_items_db(tmp_path / "empty.db", rows=0)
    app = TableApp(SqliteItems(path))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        assert table.position_text == "no rows"
        assert "No rows" in screen_lines(table)[1]
        await pilot.press("j", "G", "enter", "y", "s")
        await pilot.pause()
        assert not [m for m in app.posted if isinstance(m, RecordTable.RowSelected)]


async def test_keys_work_while_a_slow_fetch_shows_loading(items_db: Path) -> None:
    gate = asyncio.Event()

    class SlowAfterTheFirstPage(SqliteItems):
        async def _query(self, where: str, params: Any, reverse: bool, limit: int) -> Any:
            if len([call for call in self.calls if call[0] != "count"]) > 1:
                await gate.wait()  # every fetch but the first
            return await super()._query(where, params, reverse, limit)

    app = TableApp(SlowAfterTheFirstPage(items_db))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        total = table.row_count
        await pilot.press("G")  # the last page is on its way (the gate holds it)
        for _ in range(250):  # the indicator shows once a fetch has taken LOADING_DELAY
            if "loading…" in str(table.border_subtitle):
                break
            await pilot.pause(0.02)
        assert "loading…" in str(table.border_subtitle)
        assert table.row_at(total - 1) is None  # a placeholder until it comes
        assert screen_lines(table)[-1].strip() == "…"
        await pilot.press("k", "k")  # the UI keeps answering keys
        assert table.cursor_row == total - 3
        gate.set()
        await settle(pilot, table)
        assert table.current_row is not None and table.current_row.id == total - 2
        assert "loading" not in str(table.border_subtitle)


async def test_mouse_click_moves_cursor_and_header_sorts(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        # Border at y=0, header at y=1, first row at y=2; the Name column starts at x=1+8.
        await pilot.click(RecordTable, offset=(12, 4))
        await pilot.pause()
        assert table.cursor_row == 2 and table.cursor_column == 1
        await pilot.click(RecordTable, offset=(12, 4))  # clicking the cursor row opens it
        await pilot.pause()
        assert [m.row_id for m in app.posted if isinstance(m, RecordTable.RowSelected)] == [3]
        await pilot.click(RecordTable, offset=(36, 1))  # the Score header
        await pilot.pause()
        sorts = [m for m in app.posted if isinstance(m, RecordTable.SortRequested)]
        assert [(m.column_key, m.descending) for m in sorts] == [("score", False)]


async def test_narrow_terminal_scrolls_to_the_current_column(items_db: Path) -> None:
    app = TableApp(SqliteItems(items_db))
    async with app.run_test(size=(30, 12)) as pilot:
        table = app.query_one(RecordTable)
        await settle(pilot, table)
        assert "Note" not in screen_lines(table)[0]
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert table.cursor_column == 3 and table.scroll_x > 0
        assert "Note" in screen_lines(table)[0]
        assert "note 1" in screen_lines(table)[1]
        await pilot.press("left", "left", "left")
        await pilot.pause()
        assert table.scroll_x == 0


async def test_the_first_rows_do_not_wait_for_the_count(items_db: Path) -> None:
    """A count of a big table takes longer than its first page: it starts once the first
    rows are on screen, and `G` waits for it."""
    source = SlowCount(items_db)
    app = TableApp(source)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RecordTable)
        for _ in range(250):
            if table.row_at(0) is not None and len(source.calls) > 1:
                break
            await pilot.pause(0.02)
        assert screen_lines(table)[1].split()[0] == "1"
        assert table.position_text == "row 1 of 100+"
        assert [call[0] for call in source.calls] == ["after", "count asked"]
        await pilot.press("G")
        source.gate.set()
        await settle(pilot, table)
        assert table.position_text == f"row {table.row_count:,} of {table.row_count:,}"
