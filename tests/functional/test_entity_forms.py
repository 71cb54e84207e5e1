"""Forms built from the fixture application's tables, driven by keyboard.

Fields come from `tui.entities.forms.form_fields` on the real tables' columns (through a small
`FieldColumn` stub); the save callback parses with `from_form_values`. The round trips write
what was typed with a plain Core INSERT/UPDATE into a migrated fixture database on both backends
and read it back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Table, insert, make_url, select, update
from sqlalchemy.engine import Connection
from textual.widgets import Input, Label, OptionList, Select, TextArea

from tests.entity_columns import TableColumn, columns_of
from tests.fixture_app.db import run_in_transaction
from tests.fixture_app.models import Employee, Order, OrderLine, Product, User
from tests.fixture_app.sample_rows import ANN
from tests.functional.pilot_waits import notifications
from tests.functional.test_widget_record_form import FormApp, field_of, settle
from tui.entities.forms import form_fields, from_form_values, to_form_values
from tui.fields import DEFAULT
from tui.schemas.errors import FieldErrors
from tui.screens.modals import FormErrors, FormScreen
from tui.widgets.record_form import NULL_LABEL, PickerField, RecordForm

PRODUCTS: Table = Product.__table__  # type: ignore[assignment]
USERS: Table = User.__table__  # type: ignore[assignment]
EMPLOYEES: Table = Employee.__table__  # type: ignore[assignment]
ORDERS: Table = Order.__table__  # type: ignore[assignment]
SIZE = (100, 70)


def entity_form(
    title: str,
    columns: Sequence[TableColumn],
    *,
    new: bool,
    row: dict[str, Any] | None = None,
    dialect: str | None = None,
    pickers: dict[str, Any] | None = None,
    write: Callable[[dict[str, Any]], Any] | None = None,
    saved: list[dict[str, Any]] | None = None,
) -> Callable[[], FormScreen]:
    """A FormScreen for `columns` whose save parses the values (and `write`s them)."""

    async def save(values: dict[str, Any]) -> Any:
        try:
            parsed = from_form_values(columns, values, new=new, dialect=dialect)
        except FieldErrors as errors:
            raise FormErrors(errors.errors) from errors
        if saved is not None:
            saved.append(parsed)
        if write is not None:
            return await write(parsed)
        return parsed

    fields = form_fields(columns, new=new, pickers=pickers, dialect=dialect)
    values = to_form_values(columns, row, dialect=dialect) if row else None
    return lambda: FormScreen(
        title, fields, values, save=save, changes_only=not new, check_required=False
    )


def the_form(app: FormApp) -> RecordForm:
    return app.screen.query_one(RecordForm)


async def type_into(pilot: Any, name: str, *keys: str, clear: bool = False) -> None:
    """Focus field `name` and press `keys` (after selecting all of it when `clear`)."""
    form = the_form(pilot.app)
    form.focus_field(name)
    await pilot.pause()
    widget = form.input_widget(name)
    if clear and isinstance(widget, Input):
        widget.value = ""
    elif clear and isinstance(widget, TextArea):
        widget.clear()
    await pilot.press(*keys)
    await pilot.pause()


async def choose(pilot: Any, name: str, label: str) -> None:
    """Open select `name` and move to the option shown as `label`, by keyboard."""
    form = the_form(pilot.app)
    select = form.input_widget(name)
    assert isinstance(select, Select)
    form.focus_field(name)
    await pilot.press("enter")
    await pilot.pause()
    shown = select.query_one(OptionList)  # the open list of choices
    prompts = [str(shown.get_option_at_index(i).prompt) for i in range(shown.option_count)]
    target = prompts.index(label)
    start = shown.highlighted or 0
    await pilot.press(
        *(["down"] * (target - start) if target >= start else ["up"] * (start - target))
    )
    assert shown.highlighted == target, (prompts, shown.highlighted)
    await pilot.press("enter")
    await pilot.pause()


def backend_dialect(url: str) -> str:
    return make_url(url).get_backend_name()


async def in_database(url: str, work: Callable[[Connection], Any]) -> Any:
    """Run `work` in a transaction on the fixture database (a thread: asyncpg needs a loop)."""
    return await asyncio.to_thread(run_in_transaction, url, work)


def as_utc(value: datetime) -> datetime:
    """SQLite keeps no offset: the codec stored the instant in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# ------------------------------------------------------------------------- typing every kind
async def test_new_product_typed_in_every_field_kind() -> None:
    app = FormApp(entity_form("New product", columns_of(PRODUCTS), new=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = the_form(app)
        assert field_of(app.focused) == "id"  # the first field, editable on insert
        assert form.state("id") == "default" and form.state("units_sold") == "default"
        assert form.input_widget("id").placeholder == "(next number)"  # what DEFAULT gives
        assert form.input_widget("units_sold").placeholder == "(database default: 0)"
        assert form.state("description") == "null"
        assert form.input_widget("thumbnail").disabled
        await type_into(pilot, "sku", *"DUCK-9")
        await type_into(pilot, "name", *"[b]Duck[/]")
        await type_into(pilot, "description", *"one", "enter", *"two")
        await type_into(pilot, "price", *"12345678.5")
        await type_into(pilot, "weight_kg", *"2.5e-1")
        await choose(pilot, "availability", "discontinued")
        await type_into(pilot, "attributes", *'{"colour": "yellow",', "enter", *' "n": [1, 2.5]}')
        await type_into(pilot, "keywords", *'["bath", "toy"]')
        await pilot.press("ctrl+s")
        await settle(pilot)
    parsed = app.results[0]
    assert parsed == {
        "sku": "DUCK-9",
        "name": "[b]Duck[/]",
        "description": "one\ntwo",
        "price": Decimal("12345678.50"),
        "weight_kg": 0.25,
        "availability": "discontinued",
        "attributes": {"colour": "yellow", "n": [1, 2.5]},
        "keywords": ["bath", "toy"],
    }


async def test_new_user_switch_uuid_datetime_and_picker() -> None:
    async def countries(text: str) -> list[tuple[str, str]]:
        return [(c, n) for c, n in (("FR", "France"), ("JP", "日本")) if text.lower() in n.lower()]

    columns = columns_of(USERS)
    app = FormApp(entity_form("New user", columns, new=True, pickers={"country_code": countries}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = the_form(app)
        assert form.state("is_active") == "default"
        await type_into(pilot, "id", *"00000000-0000-4000-8000-0000000000aa")
        await type_into(pilot, "email", *"new@example.com")
        await type_into(pilot, "is_active", "space")  # a value replaces DEFAULT
        assert form.state("is_active") is None and form.values()["is_active"] is True
        await type_into(pilot, "is_active", "space")
        assert form.values()["is_active"] is False
        await type_into(pilot, "created_at", *"2024-05-06T07:08:09-02:00")
        picker = form.input_widget("country_code")
        assert isinstance(picker, PickerField)
        for attempt in range(2):  # pick, back to NULL, pick again
            await type_into(pilot, "country_code", *"fra")
            await settle(pilot)
            await pilot.press("enter")
            await pilot.pause()
            assert form.values()["country_code"] == "FR" and form.state("country_code") is None
            if attempt == 0:
                await pilot.press("ctrl+n")
                await pilot.pause()
                assert form.values()["country_code"] is None
                assert form.state("country_code") == "null"
                assert picker.input.placeholder == NULL_LABEL
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == [
        {
            "id": uuid.UUID("00000000-0000-4000-8000-0000000000aa"),
            "email": "new@example.com",
            "display_name": None,
            "bio": None,
            "is_active": False,
            "country_code": "FR",
            "created_at": datetime(2024, 5, 6, 9, 8, 9, tzinfo=UTC),
            "deleted_at": None,
        }
    ]


async def test_employee_date_time_and_default_again() -> None:
    app = FormApp(entity_form("New employee", columns_of(EMPLOYEES), new=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = the_form(app)
        await type_into(pilot, "id", *"41")
        assert form.state("id") is None
        await pilot.press("ctrl+g")  # back to the database's default
        await pilot.pause()
        assert form.state("id") == "default" and form.values()["id"] is DEFAULT
        await type_into(pilot, "full_name", *"Ann")
        await type_into(pilot, "email", *"ann@x")
        await type_into(pilot, "hired_on", *"2024-02-29")
        await type_into(pilot, "shift_starts_at", *"08:30")
        await type_into(pilot, "salary", *"1000")
        await type_into(pilot, "last_badge_at", *"2024-03-01 07:59:59")
        await pilot.press("ctrl+s")
        await settle(pilot)
    from datetime import date, time

    assert app.results == [
        {
            "full_name": "Ann",
            "email": "ann@x",
            "manager_id": None,
            "hired_on": date(2024, 2, 29),
            "shift_starts_at": time(8, 30),
            "salary": Decimal("1000.00"),
            "last_badge_at": datetime(2024, 3, 1, 7, 59, 59),
        }
    ]


async def test_the_focused_field_stands_out() -> None:
    app = FormApp(entity_form("New product", columns_of(PRODUCTS), new=True))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = the_form(app)

        def look(name: str) -> tuple[Any, Any]:
            label = form.query_one(f"#field-{name} > .field-label", Label)
            return (label.styles.background, label.styles.color)

        await type_into(pilot, "sku")
        focused, other = look("sku"), look("name")
        assert focused != other
        await type_into(pilot, "name")
        assert look("name") == focused and look("sku") == other


# ------------------------------------------------------------------------------ bad values
async def test_bad_values_keep_what_was_typed_and_show_at_their_fields() -> None:
    saved: list[dict[str, Any]] = []
    app = FormApp(entity_form("New product", columns_of(PRODUCTS), new=True, saved=saved))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = the_form(app)
        await type_into(pilot, "sku", *"S")
        await type_into(pilot, "price", *"1.234")
        await type_into(pilot, "weight_kg", *"heavy")
        await type_into(pilot, "attributes", *"{", "enter", *'  "a" 1}')
        await type_into(pilot, "units_sold", *"99999999999999999999")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen) and not saved
        assert form.errors() == {
            "price": "at most 2 decimals",
            "weight_kg": "must be a number, e.g. 1.5 or 2e-3",
            "attributes": "not valid JSON: line 2 column 7: Expecting ':' delimiter",
            "units_sold": (
                "must be between -9,223,372,036,854,775,808 and 9,223,372,036,854,775,807"
            ),
        }
        assert field_of(app.focused) == "price"  # the first invalid field
        values = form.values()
        assert values["price"] == "1.234" and values["weight_kg"] == "heavy"
        assert values["attributes"] == '{\n  "a" 1}'
        assert values["units_sold"] == "99999999999999999999"
        await type_into(pilot, "price", "end", "backspace")
        await type_into(pilot, "weight_kg", *"0", clear=True)
        await type_into(pilot, "attributes", *"[]", clear=True)
        await type_into(pilot, "units_sold", *"7", clear=True)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen), (form.errors(), form.values())
    assert saved[0]["price"] == Decimal("1.23") and saved[0]["units_sold"] == 7


# ---------------------------------------------------------------------- NULL and empty text
async def test_null_is_distinct_from_the_empty_string() -> None:
    row = {c.name: None for c in columns_of(USERS)}
    row.update(id=ANN, email="ann@example.com", is_active=True, display_name=None, bio="")
    saved: list[dict[str, Any]] = []
    app = FormApp(entity_form("Edit user", columns_of(USERS), new=False, row=row, saved=saved))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = the_form(app)
        label = form.query_one("#field-display_name > .field-label", Label)
        assert form.state("display_name") == "null" and form.state("bio") is None
        assert NULL_LABEL in str(label.content)
        assert form.input_widget("display_name").placeholder == NULL_LABEL
        assert form.values()["display_name"] is None and form.values()["bio"] == ""
        await type_into(pilot, "display_name", *"x")  # typing replaces NULL
        assert form.state("display_name") is None and NULL_LABEL not in str(label.content)
        await pilot.press("backspace")
        assert form.values()["display_name"] == ""  # the empty string, not NULL
        await type_into(pilot, "bio", "ctrl+n")  # the empty string becomes NULL
        assert form.values()["bio"] is None
        await type_into(pilot, "email", "ctrl+n")  # NOT NULL: refused, text kept
        assert form.values()["email"] == "ann@example.com"
        assert form.changed_values() == {"display_name": "", "bio": None}
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert saved == [{"display_name": "", "bio": None}]


async def test_nullable_select_and_boolean_offer_null() -> None:
    from sqlalchemy import Boolean, Column, MetaData

    table = Table("flags", MetaData(), Column("ok", Boolean, nullable=True))
    saved: list[dict[str, Any]] = []
    columns = columns_of(table) + columns_of(ORDERS, "status")
    row = {"ok": True, "status": "paid"}
    app = FormApp(entity_form("Flags", columns, new=False, row=row, saved=saved))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = the_form(app)
        assert form.values() == {"ok": True, "status": "paid"}
        await type_into(pilot, "ok", "ctrl+n")
        assert form.values()["ok"] is None and form.state("ok") == "null"
        assert form.input_widget("ok").prompt == NULL_LABEL
        await choose(pilot, "ok", "no")
        assert form.values()["ok"] is False and form.state("ok") is None
        await choose(pilot, "status", "shipped")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert saved == [{"ok": False, "status": "shipped"}]


# ---------------------------------------------------------------- unchanged and read-only
def product_row() -> dict[str, Any]:
    return {
        "id": 1,
        "sku": "DUCK-001",
        "name": "\x1b[31mred\x1b[0m",
        "description": "Squeaks.\r\nFloats.",
        "price": Decimal("3.50"),
        "weight_kg": 0.05,
        "units_sold": 12_345_678_901,
        "availability": "in_stock",
        "attributes": {"colour": "yellow"},
        "keywords": ["bath", "toy"],
        "thumbnail": b"\x89PNG\r\n\x1a\n\x00\xff",
        "version": 1,
    }


async def test_unchanged_form_saves_nothing() -> None:
    saved: list[dict[str, Any]] = []
    factory = entity_form("Edit", columns_of(PRODUCTS), new=False, row=product_row(), saved=saved)
    app = FormApp(factory)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        form = the_form(app)
        assert form.changed_values() == {}
        assert form.values()["thumbnail"] == "10 bytes: 89 50 4e 47 0d 0a 1a 0a …"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == [None] and saved == []
        assert notifications(app) == ["No changes: nothing was saved"]


async def test_read_only_fields_cannot_be_changed() -> None:
    row = {"order_id": 1, "line_no": 2, "product_id": 1, "quantity": 3}
    row |= {"unit_price": Decimal("1.50"), "line_total": Decimal("4.50")}
    columns = columns_of(OrderLine.__table__)  # type: ignore[arg-type]
    saved: list[dict[str, Any]] = []
    app = FormApp(entity_form("Edit line", columns, new=False, row=row, saved=saved))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = the_form(app)
        read_only = {f.name for f in form.fields if f.read_only}
        assert read_only == {"order_id", "line_no", "line_total"}
        assert field_of(app.focused) == "product_id"  # the first editable field
        visited = set()
        for _ in range(len(form.fields) + 2):
            visited.add(field_of(app.focused))
            await pilot.press("tab")
        assert not visited & read_only
        for name in read_only:
            assert form.input_widget(name).disabled
            form.input_widget(name).focus()  # a disabled widget takes no focus
            await pilot.pause()
            assert field_of(app.focused) not in read_only
        assert form.values()["line_total"] == "4.50" and form.values()["order_id"] == "1"
        form.input_widget("line_total").value = "0"  # even if changed from outside
        await type_into(pilot, "quantity", "backspace", *"5")
        assert form.changed_values() == {"quantity": "5"}
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert saved == [{"quantity": 5}]


# -------------------------------------------------------------------- into a real database
async def _insert_product(url: str, parsed: dict[str, Any]) -> int:
    def work(connection: Connection) -> int:
        return connection.execute(
            insert(PRODUCTS).values(**parsed).returning(PRODUCTS.c.id)
        ).scalar_one()

    return await in_database(url, work)


async def _row(url: str, table: Table, *where: Any) -> dict[str, Any]:
    def work(connection: Connection) -> dict[str, Any]:
        return dict(connection.execute(select(table).where(*where)).mappings().one())

    return await in_database(url, work)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_round_trip_into_the_database(backend: str, fixture_database: Any) -> None:
    url = fixture_database(backend)
    dialect = backend_dialect(url)
    columns = columns_of(PRODUCTS)

    async def write(parsed: dict[str, Any]) -> int:
        return await _insert_product(url, parsed)

    app = FormApp(entity_form("New", columns, new=True, dialect=dialect, write=write))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "sku", *"RT-1")
        await type_into(pilot, "name", *"[bold]x[/]")
        await type_into(pilot, "price", *"99999999.99")
        await type_into(pilot, "weight_kg", *"0.1")
        await type_into(pilot, "attributes", *'{"a": {"b": [1, null, "é"]}, "n": 1.5}')
        await type_into(pilot, "keywords", *'["bath", "[b]"]')
        await pilot.press("ctrl+s")
        await settle(pilot)
    new_id = app.results[0]
    stored = await _row(url, PRODUCTS, PRODUCTS.c.id == new_id)
    assert stored["price"] == Decimal("99999999.99")
    assert stored["name"] == "[bold]x[/]" and stored["weight_kg"] == 0.1
    assert stored["attributes"] == {"a": {"b": [1, None, "é"]}, "n": 1.5}
    assert stored["keywords"] == ["bath", "[b]"]
    assert stored["description"] is None and stored["thumbnail"] is None
    assert (stored["units_sold"], stored["availability"], stored["version"]) == (0, "in_stock", 1)

    # edit the first sample product: only what was changed is written, the rest stays exact
    before = await _row(url, PRODUCTS, PRODUCTS.c.id == 1)

    async def write_edit(parsed: dict[str, Any]) -> None:
        def work(connection: Connection) -> None:
            connection.execute(update(PRODUCTS).where(PRODUCTS.c.id == 1).values(**parsed))

        await in_database(url, work)

    edit = FormApp(
        entity_form("Edit", columns, new=False, row=before, dialect=dialect, write=write_edit)
    )
    async with edit.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "price", *"0.01", clear=True)
        await type_into(pilot, "attributes", "ctrl+n")  # SQL NULL
        await type_into(pilot, "keywords", *"[]", clear=True)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(edit.screen, FormScreen)
    after = await _row(url, PRODUCTS, PRODUCTS.c.id == 1)
    assert after == {**before, "price": Decimal("0.01"), "attributes": None, "keywords": []}
    assert after["thumbnail"] == b"\x89PNG\r\n\x1a\n\x00\xff"
    assert after["description"] == "Squeaks.\r\nFloats."

    def attributes_is_sql_null(connection: Connection) -> bool:
        query = select(PRODUCTS.c.attributes.is_(None)).where(PRODUCTS.c.id == 1)
        return bool(connection.execute(query).scalar_one())

    assert await in_database(url, attributes_is_sql_null)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_round_trip_uuid_and_time_zone(backend: str, fixture_database: Any) -> None:
    url = fixture_database(backend)
    columns = columns_of(USERS)

    async def write(parsed: dict[str, Any]) -> None:
        await in_database(
            url, lambda connection: connection.execute(insert(USERS).values(**parsed))
        )

    app = FormApp(
        entity_form("New user", columns, new=True, dialect=backend_dialect(url), write=write)
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "id", *"6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab")
        await type_into(pilot, "email", *"tz@example.com")
        await type_into(pilot, "created_at", *"2024-07-01T23:30:00+05:30")
        await type_into(pilot, "deleted_at", *"2024-07-02T00:00:00Z")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    key = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab")
    stored = await _row(url, USERS, USERS.c.id == key)
    assert stored["id"] == key
    assert as_utc(stored["created_at"]) == datetime(2024, 7, 1, 18, 0, tzinfo=UTC)
    assert as_utc(stored["deleted_at"]) == datetime(2024, 7, 2, tzinfo=UTC)
    assert stored["is_active"] is True  # the server default
    assert stored["display_name"] is None and stored["bio"] is None
    # shown again with its offset, whatever the backend returned
    shown = to_form_values(columns, stored, dialect=backend_dialect(url))
    assert shown["created_at"] == "2024-07-01T18:00:00+00:00"
    assert shown["id"] == "6f1c2d3e-4b5a-4c6d-8e7f-0123456789ab"

    # an order for that user: a UUID picker, a native enum (PostgreSQL) and DEFAULTs
    async def customers(text: str) -> list[tuple[uuid.UUID, str]]:
        return [(key, "tz@example.com")]

    async def write_order(parsed: dict[str, Any]) -> int:
        def work(connection: Connection) -> int:
            query = insert(ORDERS).values(**parsed).returning(ORDERS.c.id)
            return connection.execute(query).scalar_one()

        return await in_database(url, work)

    order_form = entity_form(
        "New order",
        columns_of(ORDERS),
        new=True,
        dialect=backend_dialect(url),
        pickers={"customer_id": customers},
        write=write_order,
    )
    app = FormApp(order_form)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "customer_id", *"tz")
        await settle(pilot)
        await pilot.press("enter")
        await choose(pilot, "status", "shipped")
        await type_into(pilot, "ship_to", *"JP")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    order = await _row(url, ORDERS, ORDERS.c.id == app.results[0])
    assert (order["customer_id"], order["status"], order["ship_to"]) == (key, "shipped", "JP")
    assert order["note"] is None and order["placed_at"] is not None
