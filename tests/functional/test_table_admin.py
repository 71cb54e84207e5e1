"""A per-table override (`TableAdmin`) on the fixture application's `countries`: shown columns,
their order and labels, a computed column, a search hook, form columns, the values hook, an
after-save hook and an extra action with its key and palette entry — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import ColumnElement, Table, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.functional.pilot_waits import wait_until
from tests.functional.test_browse_app import (
    MODELS,
    SIZE,
    async_url,
    open_table,
    query,
    rows_loaded,
    tables_screen,
)
from tests.functional.test_screen_common import (
    fill,
    form,
    notifications,
    save,
    screen_text,
    table_lines,
)
from tui.app import make_app
from tui.config import load_settings
from tui.db.session import SessionManager
from tui.entities.admin import AdminAction, ExtraColumn, TableAdmin
from tui.entities.models_source import load_models
from tui.entities.query import TableQuery
from tui.entities.registry import Registry
from tui.entities.repository import EntityRepository
from tui.screens.modals import FormScreen, HelpScreen
from tui.screens.table import TableScreen

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)


def customers(countries: Table) -> ColumnElement[int]:
    users = countries.metadata.tables["user"]
    return (
        select(func.count())
        .select_from(users)
        .where(users.c.country_code == countries.c.code)
        .scalar_subquery()
    )


def say_name(screen: TableScreen) -> None:
    values = screen.current_values()
    assert values is not None
    screen.notify(f"country {values['name']}")


class CountryAdmin(TableAdmin):
    singular = "country"
    list_columns = ("name", "code")
    labels = {"code": "ISO"}
    extra_columns = (ExtraColumn("customers", "Customers", customers, sortable=True),)
    form_columns = ("code", "name")
    actions = (AdminAction("z", "say", "Say", "Say the country's name", say_name),)

    def search(self, table: Table, term: str) -> ColumnElement[bool]:
        return table.c.code == term.upper()

    def to_row(self, values: dict[str, Any], *, new: bool) -> dict[str, Any]:
        if "code" in values:
            values = {**values, "code": values["code"].upper()}
        return values

    async def after_save(
        self, session: AsyncSession, key: tuple[Any, ...], values: Any, *, new: bool
    ) -> None:
        if new:
            table = load_models(MODELS).metadata.tables["countries"]
            await session.execute(
                update(table).where(table.c.code == key[0]).values(calling_code=999)
            )


def cells(app: Any, column: int) -> list[Any]:
    """The loaded rows' values in one column (by position), as the table holds them."""
    grid = app.screen.table
    found = (grid.row_at(i) for i in range(grid.row_count))
    return [row.cells[column] for row in found if row is not None]


async def test_an_override_changes_only_what_it_says(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    url = fixture_database(backend)
    settings = load_settings(None, {"DATABASE_URL": async_url(url)}, environ={})
    models = load_models(MODELS)
    registry = Registry.from_models(models, MODELS, admins={"countries": CountryAdmin()})
    app = make_app(settings, registry=registry)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: tables_screen(app).tables != [], "the table list")
        await open_table(app, pilot, "countries")
        header = table_lines(app)[0].split()
        assert header == ["name", "ISO", "Customers"]
        expected = query(
            url,
            'select c.code, (select count(*) from "user" u where u.country_code = c.code) '
            "from countries c order by c.code",
        )
        assert cells(app, 1) == [code for code, _ in expected]
        assert cells(app, 2) == [n for _, n in expected]

        await pilot.press("right", "right", "s", "s")  # by customers, descending: by keyset
        await rows_loaded(app, pilot)
        by_count = sorted(expected, key=lambda row: (row[1], row[0]), reverse=True)
        assert cells(app, 1) == [code for code, _ in by_count]
        assert "sort Customers ↓" in screen_text(app)
        await pilot.press("end")  # the last row, then back up by keyset from there
        await rows_loaded(app, pilot)
        assert app.screen.current_values()["code"] == by_count[-1][0]
        await pilot.press("home", "left", "s")  # back to sorting by name
        await rows_loaded(app, pilot)

        await pilot.press("z")  # the admin's key
        await wait_until(pilot, lambda: f"country {app.screen.current_values()['name']}" in
                         notifications(app), "the action's message")  # fmt: skip
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Say (Countries)" in titles

        await pilot.press("slash", *"fr", "enter")  # the admin's search: the code
        await rows_loaded(app, pilot)
        assert cells(app, 1) == ["FR"]
        await pilot.press("escape")  # clears the search (a second one would go back)
        await rows_loaded(app, pilot)
        assert len(cells(app, 1)) == len(expected)

        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), "the form")
        assert list(form(app).values()) == ["code", "name"]
        fill(app, code="nz", name="New Zealand")
        await save(app, pilot)
        await rows_loaded(app, pilot)
        assert query(url, "select code, name, calling_code from countries where name = :n",
                     n="New Zealand") == [("NZ", "New Zealand", 999)]  # fmt: skip

        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        described = {keys for keys, _description, _where in app.screen.rows}  # type: ignore[attr-defined]
        assert "z" in described
        async with app.manager.read_session() as session:
            total = (await session.execute(text("select count(*) from countries"))).scalar_one()
        assert total == len(expected) + 1


async def test_pages_by_a_sortable_computed_column(
    backend: str, fixture_database: Callable[[str], str]
) -> None:
    """Keyset pages of two rows, both directions, follow the computed column's order."""
    url = fixture_database(backend)
    settings = load_settings(None, {"DATABASE_URL": async_url(url)}, environ={})
    registry = Registry.from_models(load_models(MODELS), MODELS)
    spec = registry.known("countries")
    expected = query(
        url,
        'select c.code, (select count(*) from "user" u where u.country_code = c.code) '
        "from countries c",
    )
    manager = SessionManager(settings)
    try:
        for descending in (False, True):
            want = sorted(expected, key=lambda row: (row[1], row[0]), reverse=descending)
            view = TableQuery(sort="customers", descending=descending)
            seen: list[tuple[Any, ...]] = []
            after = None
            async with manager.read_session() as session:
                repo = EntityRepository(spec, session, CountryAdmin())
                while True:
                    page = await repo.page(view, after, limit=2)
                    seen += [(row["code"], row["customers"]) for row in page.rows]
                    if page.next_cursor is None:
                        break
                    after = page.next_cursor
                assert seen == want
                back = await repo.page_before(view, None, limit=2)
                assert [row["code"] for row in back.rows] == [code for code, _ in want[-2:]]
    finally:
        await manager.dispose()
