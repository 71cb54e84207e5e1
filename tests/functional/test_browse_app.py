"""dbtui on an application's own tables (the fixture application), through the keyboard:
the table list, generated forms, conflicts, delete impact, drill-downs, search and filters —
with `--models` and `--reflect`, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, make_url, select, text
from textual.pilot import Pilot
from textual.widgets import Input

from tests.fixture_app import db
from tests.fixture_app.models import Base
from tests.fixture_app.sample_rows import ANN, row_counts
from tests.functional.pilot_waits import wait_until
from tests.functional.test_screen_common import (
    fill,
    notifications,
    save,
    screen_text,
    settle,
    table_lines,
)
from tui.app import DbTuiApp, make_app
from tui.config import load_settings
from tui.entities.models_source import load_models
from tui.entities.registry import Registry
from tui.screens.choose import ChooseScreen
from tui.screens.modals import ConfirmScreen, ConflictScreen, FormScreen
from tui.screens.table import TableScreen
from tui.screens.tables import TablesScreen
from tui.widgets.record_table import RecordTable

MODELS = "tests.fixture_app.models:Base"
SIZE = (150, 45)

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgres"])


def async_url(url: str) -> str:
    """The fixture's sync-style URL with dbtui's async driver."""
    parsed = make_url(url)
    driver = "sqlite+aiosqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+asyncpg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def registry_for(kind: str) -> Registry:
    if kind == "models":
        return Registry.from_models(load_models(MODELS), MODELS)
    return Registry.reflecting()


@asynccontextmanager
async def browsing(url: str, kind: str = "models") -> AsyncIterator[tuple[DbTuiApp, Pilot]]:
    """The app on the fixture database at `url`, showing its table list."""
    settings = load_settings(None, {"DATABASE_URL": async_url(url)}, environ={})
    app = make_app(settings, registry=registry_for(kind))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: tables_screen(app).tables != [], "the table list")
        yield app, pilot


def tables_screen(app: DbTuiApp) -> TablesScreen:
    screen = app.screen
    assert isinstance(screen, TablesScreen), screen
    return screen


def table_screen(app: DbTuiApp) -> TableScreen:
    screen = app.screen
    assert isinstance(screen, TableScreen), screen
    return screen


async def open_table(app: DbTuiApp, pilot: Pilot, name: str) -> TableScreen:
    """Type the table's name in the list's filter and press enter."""
    tables_screen(app).query_one("#table-filter").value = name  # type: ignore[attr-defined]
    await pilot.pause()
    await wait_until(
        pilot, lambda: any(t.name == name for t in tables_screen(app).shown), f"{name} listed"
    )
    index = [t.name for t in tables_screen(app).shown].index(name)
    await pilot.press(*(["down"] * index), "enter")
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, TableScreen) and app.screen.spec.name == name,
        f"the {name} table",
    )
    await rows_loaded(app, pilot)
    return table_screen(app)


async def rows_loaded(app: DbTuiApp, pilot: Pilot) -> RecordTable:
    await wait_until(pilot, lambda: bool(app.screen.query(RecordTable)), "the table on screen")
    grid = app.screen.query_one(RecordTable)
    await wait_until(pilot, lambda: grid.count_known and not grid.is_loading, "the rows")
    await settle(app, pilot)
    return grid


def run_in_transaction(url: str, work: Callable[[Any], Any]) -> Any:
    """`work(connection)` in a transaction on `url`, from a thread of its own (the fixture's
    PostgreSQL driver runs its own event loop; the test's is busy running the app)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(db.run_in_transaction, url, work).result()


def query(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return run_in_transaction(
        url, lambda conn: [tuple(r) for r in conn.execute(text(sql), params).all()]
    )


def cursor_cells(app: DbTuiApp) -> dict[str, Any]:
    """The current row's stored values by column (a foreign key's, not its label)."""
    values = table_screen(app).current_values()
    assert values is not None
    return values


async def move_to(app: DbTuiApp, pilot: Pilot, column: str, value: Any) -> None:
    """Put the cursor on the row whose `column` holds `value` (pressing down)."""
    for _ in range(30):
        if cursor_cells(app)[column] == value:
            return
        await pilot.press("down")
        await settle(app, pilot)
    raise AssertionError(f"no row with {column} = {value!r}")


async def test_table_list_with_counts_filter_and_paging_to_the_end(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url) as (app, pilot):
        listing = screen_text(app)
        for name in ("countries", "user", "order", "order_lines", "CamelCase", "audit_log"):
            assert name in listing
        lines = f"{row_counts()['order_lines']:,} rows"
        # SQLite's small file is counted exactly; PostgreSQL's list only ever shows estimates
        assert (f" {lines}" in listing) == (backend == "sqlite")
        tables_screen(app).query_one("#table-filter").value = "ord"  # type: ignore[attr-defined]
        await pilot.pause()
        assert [t.name for t in tables_screen(app).shown] == ["order", "order_lines"]
        tables_screen(app).query_one("#table-filter").value = "u"  # type: ignore[attr-defined]
        await pilot.pause()
        shown = [t.name for t in tables_screen(app).shown]
        assert shown[0] == "user" and "countries" in shown  # names that start with it first
        tables_screen(app).query_one("#table-filter").value = "ord"  # type: ignore[attr-defined]
        await pilot.pause()
        screen = await open_table(app, pilot, "order_lines")
        assert screen.table.row_count == row_counts()["order_lines"]
        await pilot.press("G")
        await rows_loaded(app, pilot)
        assert screen.table.cursor_row == row_counts()["order_lines"] - 1
        assert "Tables > Order lines" in screen_text(app)


async def test_create_and_edit_through_generated_forms(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url) as (app, pilot):
        await open_table(app, pilot, "countries")
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), "the new-row form")
        fill(app, code="DE", name="Deutschland", calling_code="49")
        await save(app, pilot)
        assert query(url, "select name, calling_code from countries where code = 'DE'") == [
            ("Deutschland", 49)
        ]
        # edit one field of a product: the others stay as stored
        await pilot.press("escape")
        await settle(app, pilot)
        before = query(url, "select description, price, attributes from products where id = 1")
        await open_table(app, pilot, "products")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), "the product form")
        fill(app, name="Rubber duck, large")
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert query(url, "select name, version from products where id = 1") == [
            ("Rubber duck, large", 2)
        ]
        assert query(url, "select description, price, attributes from products where id = 1") == (
            before
        )


async def test_conflict_without_a_version_column(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url) as (app, pilot):
        await open_table(app, pilot, "countries")
        await move_to(app, pilot, "code", "FR")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), "the country form")
        run_in_transaction(
            url, lambda c: c.execute(text("update countries set name = 'Gaul' where code = 'FR'"))
        )
        fill(app, name="République française")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen), "the conflict")
        assert "Gaul" in screen_text(app)
        assert query(url, "select name from countries where code = 'FR'") == [("Gaul",)]


async def test_delete_shows_its_impact_and_refuses_a_restricted_one(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url) as (app, pilot):
        await open_table(app, pilot, "order")
        lines = query(url, "select count(*) from order_lines where order_id = 1")[0][0]
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        sentence = f"deletes {lines} order lines"  # once the dialog has painted (under load)
        await wait_until(
            pilot, lambda: sentence in " ".join(screen_text(app).split()).lower(), sentence
        )
        await pilot.press("tab", "enter")  # the safe button has the focus: tab to Delete
        await settle(app, pilot)
        assert query(url, 'select count(*) from "order" where id = 1') == [(0,)]
        assert query(url, "select count(*) from order_lines where order_id = 1") == [(0,)]
        # a customer with orders: ON DELETE RESTRICT refuses, and says why
        await pilot.press("escape")
        await settle(app, pilot)
        await open_table(app, pilot, "countries")
        await move_to(app, pilot, "code", "JP")
        await pilot.press("d")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("Cannot delete" in m for m in notifications(app)), notifications(app)
        assert query(url, "select count(*) from countries where code = 'JP'") == [(1,)]


async def test_drill_down_both_ways_and_back(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url, "reflect" if backend == "postgres" else "models") as (app, pilot):
        orders = await open_table(app, pilot, "order")
        await pilot.press("j")  # second order: Bob's
        await settle(app, pilot)
        customer = cursor_cells(app)["customer_id"]
        await pilot.press("o")
        await wait_until(pilot, lambda: app.screen is not orders, "the referenced table")
        if isinstance(app.screen, ChooseScreen):  # two references: customer, ship_to
            await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TableScreen) and app.screen.spec.name == "user",
            "the user table",
        )
        await rows_loaded(app, pilot)
        await wait_until(pilot, lambda: cursor_cells(app)["id"] == customer, "cursor on Bob")
        assert "Order > User" in screen_text(app)
        # from Bob, the orders that reference him
        await pilot.press("b")
        await settle(app, pilot)
        if isinstance(app.screen, ChooseScreen):
            options = screen_text(app)
            assert "order whose customer_id is this row" in options
            index = [c for c in app.screen.choices].index("order whose customer_id is this row")
            await pilot.press(*(["down"] * index), "enter")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, TableScreen)
                and app.screen.spec.name == "order"
                and app.screen is not orders
            ),
            "Bob's orders",
        )
        grid = await rows_loaded(app, pilot)
        orders_table = Base.metadata.tables["order"]
        of_customer = (
            select(func.count())
            .select_from(orders_table)
            .where(orders_table.c.customer_id == customer)
        )
        expected = run_in_transaction(url, lambda c: c.execute(of_customer).scalar_one())
        assert grid.row_count == expected
        # escape twice: back to the first order list, cursor where it was
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is orders
        assert orders.table.cursor_row == 1


async def test_search_and_filters_speak_in_labels(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url) as (app, pilot):
        screen = await open_table(app, pilot, "user")
        await pilot.press("slash")
        await pilot.press(*"[bold]")
        await pilot.press("enter")
        grid = await rows_loaded(app, pilot)
        assert grid.row_count == 1
        assert "search “[bold]”" in screen_text(app)
        await pilot.press("escape")
        await rows_loaded(app, pilot)
        # a boolean filter through the filter dialog
        await pilot.press("f")
        await wait_until(pilot, lambda: app.screen is not screen, "the filter dialog")
        dialog = app.screen
        dialog.query_one("#filter-column").value = "is_active"  # type: ignore[attr-defined]
        await pilot.pause()
        dialog.query_one("#filter-choice").value = "1"  # no  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: app.screen is screen, f"the filter applied: {screen_text(app)}"
        )
        grid = await rows_loaded(app, pilot)
        assert grid.row_count == 1  # Chloe (inactive Zoë is in the trash)
        assert "is active: no" in screen_text(app)
        # the trash shows the soft-deleted user
        await pilot.press("x", "t")
        grid = await rows_loaded(app, pilot)
        assert grid.row_count == 1
        assert "TRASH" in screen_text(app)


async def test_reflected_database_lists_views_and_browses_tables_without_a_key(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url, "reflect") as (app, pilot):
        assert "order_totals" in screen_text(app)
        audit = await open_table(app, pilot, "audit_log")
        assert "read-only: no primary key" in screen_text(app)
        await pilot.press("G")
        await rows_loaded(app, pilot)
        rows = [audit.table.row_at(i) for i in range(row_counts()["audit_log"])]
        assert all(row is not None for row in rows), "every row of a keyless table is shown"
        assert audit.table.cursor_row == row_counts()["audit_log"] - 1
        await pilot.press("n")
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        grid = (await open_table(app, pilot, "user")).table
        assert grid.row_count == 3  # Zoë is in the trash
        shown = "\n".join(table_lines(app))
        assert str(ANN) in shown or ANN.hex in shown  # SQLite reflects a Uuid as CHAR(32)


async def test_sorting_says_what_it_costs_and_what_it_sorts_by(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url) as (app, pilot):
        screen = await open_table(app, pilot, "order")
        columns = [c.name for c in screen.spec.columns]
        await pilot.press(*(["l"] * columns.index("note")), "s")
        grid = await rows_loaded(app, pilot)
        assert any("no index on note: sorting scans the table" in m for m in notifications(app))
        notes = [grid.row_at(i).cells[columns.index("note")] for i in range(grid.row_count)]
        assert notes == sorted(n for n in notes if n is not None) + [None] * notes.count(None)
        await pilot.press(*(["h"] * (columns.index("note") - columns.index("customer_id"))), "s")
        await rows_loaded(app, pilot)
        why = "customer id: sorted by the key it holds — no index on customer id"
        assert any(why in m for m in notifications(app))
        assert "sort customer id ↑ (by the key it holds: no index on customer id)" in screen_text(
            app
        )


async def test_export_and_the_production_guard_work_on_any_table(
    backend: str, fixture_database: Callable[[str], str], tmp_path: Path
) -> None:
    url = fixture_database(backend)
    settings = load_settings(
        None, {"DATABASE_URL": async_url(url), "ENVIRONMENT": "production"}, environ={}
    )
    app = make_app(settings, registry=registry_for("models"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: tables_screen(app).tables != [], "the table list")
        await open_table(app, pilot, "countries")
        await pilot.press("n")
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert any("Production is read-only" in m for m in notifications(app))
        await pilot.press("enter")  # the form opens read-only and says so
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), "the row's form")
        assert "(read-only)" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        target = tmp_path / "countries.csv"
        await pilot.press("e")
        await wait_until(pilot, lambda: app.screen.query("#answer"), "the export dialog")
        app.screen.query_one("#answer", Input).value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists, "the exported file")
        await settle(app, pilot)
        lines = target.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "code,name,calling_code"
        assert len(lines) == 1 + row_counts()["countries"]
    assert query(url, "select count(*) from countries") == [(row_counts()["countries"],)]


async def choose(app: DbTuiApp, pilot: Pilot, title: str) -> None:
    """In the open choice list, pick the entry `title`."""
    await wait_until(pilot, lambda: isinstance(app.screen, ChooseScreen), "the choice list")
    choices = list(app.screen.choices)  # type: ignore[attr-defined]
    assert title in choices, choices
    await pilot.press(*(["down"] * choices.index(title)), "enter")


async def test_self_reference_and_many_to_many_drill_downs(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url) as (app, pilot):
        employees = await open_table(app, pilot, "employees")
        await move_to(app, pilot, "full_name", "Ünïcødé Ñame 名前")
        await pilot.press("o")  # its manager: the same table, cursor on Alan Turing
        await wait_until(pilot, lambda: app.screen is not employees, "the manager's list")
        await rows_loaded(app, pilot)
        await wait_until(pilot, lambda: cursor_cells(app)["id"] == 2, "cursor on the manager")
        assert cursor_cells(app)["full_name"] == "Alan Turing"
        manager_list = app.screen
        await pilot.press("b")  # Alan's reports: the one reference back, opened at once
        await wait_until(pilot, lambda: app.screen is not manager_list, "the reports")
        grid = await rows_loaded(app, pilot)
        assert grid.row_count == 1
        assert cursor_cells(app)["full_name"] == "Ünïcødé Ñame 名前"
        assert "Employees > Employees > Employees" in screen_text(app)
        for _ in range(2):
            await pilot.press("escape")
            await settle(app, pilot)
        assert app.screen is employees
        await pilot.press("escape")
        await settle(app, pilot)
        # many-to-many: Dana's courses through enrollments
        await open_table(app, pilot, "students")
        await pilot.press("b")
        await settle(app, pilot)
        if isinstance(app.screen, ChooseScreen):
            await choose(app, pilot, "courses linked through enrollments")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TableScreen) and app.screen.spec.name == "courses",
            "Dana's courses",
        )
        grid = await rows_loaded(app, pilot)
        names = [c.name for c in table_screen(app).spec.columns]
        codes = [grid.row_at(i).cells[names.index("code")] for i in range(grid.row_count)]
        assert codes == ["SQL-101", "PY-201"]
        assert "students: Students" in screen_text(app)  # the view says how it is filtered


async def test_the_sql_console_is_there_for_your_own_tables(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    async with browsing(url) as (app, pilot):
        # A digit that no table name continues switches screens, even after a filter is typed.
        await pilot.press("o", "r", "d", "6")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "SqlScreen", "the SQL screen")
        assert app.current_mode == "sql"


async def test_the_highlighted_table_is_read_ahead_while_the_list_waits(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    """Reflecting, the table the highlight rests on is read while the user reads the list:
    the SQL log shows catalog reads once it rests there, before `enter` opens it."""
    from tests.functional.test_sql_log_panel import shown_statements

    marker = "PRAGMA" if backend == "sqlite" else "pg_catalog"

    def catalog_reads() -> int:
        return len([s for s in shown_statements(app) if marker in s])

    url = fixture_database(backend)
    async with browsing(url, "reflect") as (app, pilot):
        await pilot.press("ctrl+l")
        await app.workers.wait_for_complete()  # the first table's read-ahead
        await pilot.pause()
        listed = catalog_reads()
        await pilot.press("down")
        await wait_until(pilot, lambda: catalog_reads() > listed, "the second table's read")
        await app.workers.wait_for_complete()
        await pilot.pause()
        name = tables_screen(app).shown[1].name
        await pilot.press("enter")
        await rows_loaded(app, pilot)
        assert f"Tables > {table_screen(app).spec.label}" in screen_text(app)
        assert table_screen(app).spec.name == name
