"""EntityRepository on the fixture application, both backends: paging on every key shape,
NULL ordering, search, filters, writes, conflicts, integrity errors, delete impact."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.fixture_app import sample_rows
from tests.fixture_app.models import Base
from tests.functional.entity_support import BACKENDS, fixture_manager
from tui.db.session import SessionManager
from tui.entities.errors import NotFoundError, StaleRecordError
from tui.entities.introspect import entities_from_metadata
from tui.entities.query import Filter, TableQuery
from tui.entities.repository import EntityRepository, sortable
from tui.entities.spec import EntitySpec
from tui.schemas.errors import FieldErrors

SPECS = entities_from_metadata(Base.metadata, Base.registry)
ANN, BOB, CHLOE, ZOE = sample_rows.ANN, sample_rows.BOB, sample_rows.CHLOE, sample_rows.ZOE


@pytest.fixture(params=BACKENDS)
async def db(
    request: pytest.FixtureRequest, fixture_database: Callable[[str], str]
) -> AsyncIterator[SessionManager]:
    async with fixture_manager(fixture_database, request.param) as manager:
        yield manager


async def all_rows(manager: SessionManager, spec: EntitySpec, order: list[Any]) -> list[tuple]:
    """Every key of `spec`'s table by a plain query ordered by `order`."""
    async with manager.read_session() as session:
        columns = [spec.table.c[n] for n in spec.primary_key]
        rows = (await session.execute(select(*columns).order_by(*order))).all()
    return [tuple(r) for r in rows]


async def walk(
    manager: SessionManager, spec: EntitySpec, query: TableQuery, limit: int
) -> tuple[list[tuple], list[tuple]]:
    """Keys page by page to the end, then page by page back from the end."""
    forward: list[tuple] = []
    backward: list[tuple] = []
    async with manager.read_session() as session:
        repo = EntityRepository(spec, session)
        page = await repo.page(query, limit=limit)
        forward.extend(spec.key_of(r) for r in page.rows)
        while page.next_cursor is not None:
            page = await repo.page(query, page.next_cursor, limit=limit)
            assert len(page.rows) <= limit
            forward.extend(spec.key_of(r) for r in page.rows)
        page = await repo.page_before(query, limit=limit)
        backward[:0] = [spec.key_of(r) for r in page.rows]
        while page.prev_cursor is not None:
            page = await repo.page_before(query, page.prev_cursor, limit=limit)
            backward[:0] = [spec.key_of(r) for r in page.rows]
    return forward, backward


@pytest.mark.parametrize("name", ["user", "countries", "order_lines", "employees", "products"])
@pytest.mark.parametrize("descending", [False, True])
async def test_paging_to_the_end_and_back_on_every_key_shape(
    db: SessionManager, name: str, descending: bool
) -> None:
    spec = SPECS[name]
    keys = [spec.table.c[n] for n in spec.primary_key]
    expected = await all_rows(db, spec, [k.desc() if descending else k for k in keys])
    if spec.soft_delete_column:
        expected = [k for k in expected if k != (ZOE,)]
    assert len(expected) >= 3
    forward, backward = await walk(db, spec, TableQuery(descending=descending), limit=2)
    assert forward == expected
    assert backward == expected


@pytest.mark.parametrize("descending", [False, True])
async def test_null_values_sort_last_ascending_and_first_descending(
    db: SessionManager, descending: bool
) -> None:
    spec = SPECS["employees"]
    query = TableQuery(sort="salary", descending=descending)
    forward, backward = await walk(db, spec, query, limit=1)
    # salaries: 1: 9999.99, 2: 5000.00, 3: NULL, 4: 0.01
    ascending = [(4,), (2,), (1,), (3,)]
    expected = [(3,), (1,), (2,), (4,)] if descending else ascending
    assert forward == expected
    assert backward == expected
    async with db.read_session() as session:
        repo = EntityRepository(spec, session)
        page = await repo.page_at(query, 2, limit=2)
        positions = [await repo.position(query, repo.cursor_of(r, query)) for r in page.rows]
        with pytest.raises(ValueError, match="no column"):
            await repo.page(TableQuery(filters=(Filter("nope", "eq", 1),)))
    assert [spec.key_of(r) for r in page.rows] == expected[2:]
    assert positions == [2, 3]


async def test_table_without_a_key_pages_by_position_read_only(db: SessionManager) -> None:
    spec = SPECS["audit_log"]
    assert spec.primary_key == ()
    assert "no primary key" in (spec.read_only_reason or "")
    async with db.read_session() as session:
        repo = EntityRepository(spec, session)
        query = TableQuery(sort="occurred_at", descending=True)
        first = await repo.page(query, limit=3)
        assert first.next_cursor is not None
        second = await repo.page(query, first.next_cursor, limit=3)
        assert repo.cursor_of(first.rows[-1], query) == first.next_cursor
        back = await repo.page_before(query, repo.cursor_of(second.rows[0], query), limit=3)
        last = await repo.page_before(query, limit=3)
        with pytest.raises(ValueError, match="read-only"):
            await repo.insert({"action": "x"})
    actions = [r["action"] for r in (*first.rows, *second.rows)]
    assert actions == [sample_rows.CRLF, "cron", "login", "login"]
    assert second.next_cursor is None and second.prev_cursor is not None
    assert list(back.rows) == list(first.rows) and back.prev_cursor is None
    assert [r["action"] for r in last.rows] == ["cron", "login", "login"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("[bold]", {(3,)}),  # Rich markup, literally
        ("GRACE", {(1,)}),  # case-insensitive
        ("%", set()),  # LIKE wildcards are literal
        ("_", set()),
        ("\\", set()),
        ("ünïcødé", {(4,)}),
    ],
)
async def test_search_matches_text_literally(
    db: SessionManager, term: str, expected: set[tuple]
) -> None:
    async with db.read_session() as session:
        repo = EntityRepository(SPECS["employees"], session)
        page = await repo.page(TableQuery(search=term))
        count = await repo.count(TableQuery(search=term))
    if term == "ünïcødé" and db.engine.dialect.name == "sqlite":
        expected = set()  # SQLite's lower() folds ASCII only; the term is lower case already
    assert {SPECS["employees"].key_of(r) for r in page.rows} == expected
    assert count.value == len(expected)


async def test_search_escapes_control_characters(db: SessionManager) -> None:
    async with db.read_session() as session:
        repo = EntityRepository(SPECS["students"], session)
        page = await repo.page(TableQuery(search="\x1b[31mred"))
    assert [r["name"] for r in page.rows] == [sample_rows.ESCAPES]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (Filter("manager_id", "eq", 1), {2, 3}),
        (Filter("manager_id", "eq", None), {1}),
        (Filter("manager_id", "ne", 1), {1, 4}),
        (Filter("email", "contains", "A_"), set()),
        (Filter("email", "contains", "AL"), {2}),
        (Filter("salary", "is_null"), {3}),
        (Filter("salary", "not_null"), {1, 2, 4}),
        (Filter("salary", "gte", Decimal("5000")), {1, 2}),
        (Filter("hired_on", "lte", date(2020, 6, 23)), {1, 2}),
        (Filter("hired_on", "between", (date(2020, 1, 1), date(2022, 1, 1))), {2, 3}),
        (Filter("id", "in", (1, 4, 99)), {1, 4}),
    ],
)
async def test_each_filter(db: SessionManager, item: Filter, expected: set[int]) -> None:
    async with db.read_session() as session:
        repo = EntityRepository(SPECS["employees"], session)
        page = await repo.page(TableQuery(filters=(item,)))
        count = await repo.count(TableQuery(filters=(item,)))
    assert {r["id"] for r in page.rows} == expected
    assert count.value == len(expected)


async def test_linked_filter_follows_many_to_many(db: SessionManager) -> None:
    async with db.read_session() as session:
        students = EntityRepository(SPECS["students"], session)
        courses = EntityRepository(SPECS["courses"], session)
        in_sql = await students.page(TableQuery(filters=(Filter("courses", "linked", (1,)),)))
        of_dana = await courses.page(TableQuery(filters=(Filter("students", "linked", (1,)),)))
    assert [r["id"] for r in in_sql.rows] == [1, 2]
    assert [r["code"] for r in of_dana.rows] == ["SQL-101", "PY-201"]


async def test_trash_shows_only_soft_deleted_rows_and_restore(db: SessionManager) -> None:
    spec = SPECS["user"]
    async with db.read_session() as session:
        repo = EntityRepository(spec, session)
        live = await repo.page(TableQuery())
        trash = await repo.page(TableQuery(trash=True))
    assert ZOE not in {r["id"] for r in live.rows} and len(live.rows) == 3
    assert [r["id"] for r in trash.rows] == [ZOE]
    async with db.session() as session:
        repo = EntityRepository(spec, session)
        await repo.restore((ZOE,))
        await repo.soft_delete((ANN,))
    async with db.read_session() as session:
        trash = await EntityRepository(spec, session).page(TableQuery(trash=True))
    assert [r["id"] for r in trash.rows] == [ANN]


async def raw_row(db: SessionManager, table: str, where: str, **params: Any) -> tuple:
    """The row as the database holds it, by a hand-written query."""
    async with db.read_session() as session:
        quoted = db.engine.dialect.identifier_preparer.quote(table)
        row = (await session.execute(text(f"SELECT * FROM {quoted} WHERE {where}"), params)).one()
    return tuple(row)


async def test_insert_leaves_defaults_identity_and_computed_to_the_database(
    db: SessionManager,
) -> None:
    async with db.session() as session:
        products = EntityRepository(SPECS["products"], session)
        product = await products.insert({"sku": "NEW-1", "name": "New", "price": Decimal("2.50")})
        lines = EntityRepository(SPECS["order_lines"], session)
        line = await lines.insert(
            {"order_id": 3, "line_no": 1, "product_id": 1, "quantity": 4, "unit_price": 2}
        )
        employee = await EntityRepository(SPECS["employees"], session).insert(
            {"full_name": "New", "email": "new@example.com", "hired_on": date(2025, 1, 1)}
        )
        user = await EntityRepository(SPECS["user"], session).insert({"email": "n@example.com"})
    assert product == (4,) and line == (3, 1) and employee == (5,)
    assert isinstance(user[0], uuid.UUID)
    async with db.read_session() as session:
        new_product = await EntityRepository(SPECS["products"], session).get(product)
        new_line = await EntityRepository(SPECS["order_lines"], session).get(line)
        new_user = await EntityRepository(SPECS["user"], session).get(user)
    assert new_product["units_sold"] == 0
    assert new_product["availability"] == "in_stock"
    assert new_product["version"] == 1
    assert new_line["line_total"] == Decimal("8.00")
    assert new_user["is_active"] is True and new_user["created_at"] is not None


async def test_update_writes_only_the_changed_columns(db: SessionManager) -> None:
    spec = SPECS["employees"]
    before = await raw_row(db, "employees", "id = 3")
    async with db.session() as session:
        repo = EntityRepository(spec, session)
        original = await repo.get((3,))
        await repo.update((3,), {"full_name": "Ada Lovelace"}, original)
        await repo.update((3,), {}, original)  # nothing changed: nothing written
    after = await raw_row(db, "employees", "id = 3")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert [spec.table.columns[i].key for i in changed] == ["full_name"]
    assert after[1] == "Ada Lovelace"


async def test_update_conflict_without_a_version_column(db: SessionManager) -> None:
    spec = SPECS["employees"]
    async with db.read_session() as session:
        original = await EntityRepository(spec, session).get((2,))
    async with db.session() as other:  # someone else saves first
        await EntityRepository(spec, other).update((2,), {"full_name": "Alan M. Turing"}, original)
    with pytest.raises(StaleRecordError) as caught:
        async with db.session() as session:
            await EntityRepository(spec, session).update(
                (2,), {"full_name": "Mine", "salary": Decimal("1")}, original
            )
    assert caught.value.current is not None
    assert caught.value.current["full_name"] == "Alan M. Turing"
    row = await raw_row(db, "employees", "id = 2")
    assert row[1] == "Alan M. Turing" and Decimal(row[6]) == Decimal("5000.00")
    async with db.session() as session:  # a change of another column does not conflict
        repo = EntityRepository(spec, session)
        await repo.update((2,), {"salary": Decimal("6000")}, original)
    assert Decimal((await raw_row(db, "employees", "id = 2"))[6]) == Decimal("6000")


async def test_update_conflict_of_a_deleted_row(db: SessionManager) -> None:
    spec = SPECS["countries"]
    async with db.session() as session:
        repo = EntityRepository(spec, session)
        original = await repo.get(("XK",))
        await session.execute(text("UPDATE \"order\" SET ship_to = 'FR' WHERE ship_to = 'XK'"))
        await repo.delete(("XK",), original)
    with pytest.raises(StaleRecordError) as caught:
        async with db.session() as session:
            await EntityRepository(spec, session).update(("XK",), {"name": "K"}, original)
    assert caught.value.current is None


async def test_values_stored_in_another_text_form_are_not_a_conflict(
    fixture_database: Callable[[str], str],
) -> None:
    """SQLite keeps dates as text: one written by another program without microseconds is the
    same value to the form (and to us), though not the same text."""
    spec = SPECS["employees"]
    async with fixture_manager(fixture_database, "sqlite") as db:
        async with db.session() as session:
            await session.execute(
                text("UPDATE employees SET last_badge_at = '2024-05-06 07:08:09' WHERE id = 1")
            )
        async with db.read_session() as session:
            original = await EntityRepository(spec, session).get((1,))
        async with db.session() as session:
            await EntityRepository(spec, session).update(
                (1,), {"last_badge_at": None, "full_name": "G. Hopper"}, original
            )
        assert (await raw_row(db, "employees", "id = 1"))[1:2] == ("G. Hopper",)
        async with db.session() as session:
            await session.execute(
                text("UPDATE employees SET last_badge_at = '2024-05-06 07:08:09' WHERE id = 4")
            )
        async with db.read_session() as session:
            original = await EntityRepository(spec, session).get((4,))
        async with db.session() as session:  # a real change meanwhile is still one
            await session.execute(
                text("UPDATE employees SET last_badge_at = '2024-05-06 07:08:10' WHERE id = 4")
            )
        with pytest.raises(StaleRecordError):
            async with db.session() as session:
                await EntityRepository(spec, session).update(
                    (4,), {"last_badge_at": None}, original
                )
        with pytest.raises(StaleRecordError):
            async with db.session() as session:
                await EntityRepository(spec, session).delete((4,), original)
        row = await raw_row(db, "employees", "id = 4")
        assert row[7] == "2024-05-06 07:08:10"
        async with db.session() as session:
            repo = EntityRepository(spec, session)
            await repo.delete((4,), await repo.get((4,)))
        async with db.read_session() as session:
            assert (await EntityRepository(spec, session).count(TableQuery())).value == 3


async def test_version_column_path(db: SessionManager) -> None:
    spec = SPECS["products"]
    assert spec.version_column == "version"
    async with db.session() as session:
        repo = EntityRepository(spec, session)
        original = await repo.get((3,))
        await repo.update((3,), {"name": "Book"}, original)
    async with db.read_session() as session:
        now = await EntityRepository(spec, session).get((3,))
    assert now["version"] == original["version"] + 1 == 4
    with pytest.raises(StaleRecordError, match="now version 4"):
        async with db.session() as session:
            await EntityRepository(spec, session).update((3,), {"name": "Old"}, original)
    async with db.read_session() as session:
        assert (await EntityRepository(spec, session).get((3,)))["name"] == "Book"


@pytest.mark.parametrize(
    ("entity", "action", "field"),
    [
        ("employees", ("insert", {"full_name": "X", "email": "ada@example.com"}), "email"),
        (
            "order_lines",
            ("insert", {"order_id": 1, "line_no": 9, "product_id": 1, "quantity": 1}),
            "product_id",
        ),
        ("products", ("update", (1,), {"price": Decimal("-1")}), "price"),
        ("order_lines", ("update", (1, 1), {"quantity": 0}), "quantity"),
        ("students", ("update", (1,), {"name": None}), "name"),
        ("order", ("update", (1,), {"ship_to": "ZZ"}), None),
    ],
)
async def test_integrity_failures_name_the_column(
    db: SessionManager, entity: str, action: tuple, field: str | None
) -> None:
    spec = SPECS[entity]
    with pytest.raises(FieldErrors) as caught:
        async with db.session() as session:
            repo = EntityRepository(spec, session)
            if action[0] == "insert":
                values = dict(action[1])
                values.setdefault("hired_on", date(2025, 1, 1)) if entity == "employees" else None
                values.setdefault("unit_price", 1) if entity == "order_lines" else None
                await repo.insert(values)
            else:
                original = await repo.get(action[1])
                await repo.update(action[1], action[2], original)
    errors = caught.value.errors
    if field is None:  # foreign keys: SQLite does not say which one
        expected = {"__root__"} if db.engine.dialect.name == "sqlite" else {"ship_to"}
        assert set(errors) == expected
    else:
        assert set(errors) == {field}


async def test_delete_impact_counts_and_refusals(db: SessionManager) -> None:
    async with db.read_session() as session:
        order = await EntityRepository(SPECS["order"], session).delete_impact((1,))
        country = await EntityRepository(SPECS["countries"], session).delete_impact(("CI",))
        france = await EntityRepository(SPECS["countries"], session).delete_impact(("FR",))
        ann = await EntityRepository(SPECS["user"], session).delete_impact((ANN,))
        grace = await EntityRepository(SPECS["employees"], session).delete_impact((1,))
        student = await EntityRepository(SPECS["students"], session).delete_impact((1,))
    assert str(order) == "deletes 2 order lines" and not order.refused
    assert str(country) == "clears country code on 1 user"
    assert france.refused
    assert france.reason == (
        "cannot delete: 1 order references it (order.ship_to, ON DELETE NO ACTION)"
    )
    assert ann.refused
    assert str(ann) == (
        "cannot delete: 2 orders reference it (order.customer_id, ON DELETE RESTRICT)"
    )
    assert str(grace) == "clears manager on 2 employees"
    assert str(student) == "deletes 2 enrollments"


async def test_delete_cascades_and_checks_the_original(db: SessionManager) -> None:
    spec = SPECS["order"]
    async with db.read_session() as session:
        original = await EntityRepository(spec, session).get((1,))
    async with db.session() as other:
        await other.execute(text("UPDATE \"order\" SET note = 'changed' WHERE id = 1"))
    with pytest.raises(StaleRecordError):
        async with db.session() as session:
            await EntityRepository(spec, session).delete((1,), original)
    async with db.session() as session:
        repo = EntityRepository(spec, session)
        await repo.delete((1,), await repo.get((1,)))
    async with db.read_session() as session:
        with pytest.raises(NotFoundError):
            await EntityRepository(spec, session).get((1,))
        lines = await EntityRepository(SPECS["order_lines"], session).count(TableQuery())
    assert lines.value == 1


async def test_delete_refused_by_a_reference_is_a_field_error(db: SessionManager) -> None:
    with pytest.raises(FieldErrors):
        async with db.session() as session:
            repo = EntityRepository(SPECS["user"], session)
            await repo.delete((ANN,), await repo.get((ANN,)))
    async with db.read_session() as session:
        assert (await EntityRepository(SPECS["user"], session).get((ANN,)))["email"]


async def test_choices_and_labels(db: SessionManager) -> None:
    async with db.read_session() as session:
        countries = EntityRepository(SPECS["countries"], session)
        assert await countries.choices("FRA") == [(("FR",), "France")]
        assert [k for k, _ in await countries.choices("")] == [("CI",), ("FR",), ("XK",), ("JP",)]
        users = EntityRepository(SPECS["user"], session)
        labels = await users.labels([(ANN,), (BOB,), (uuid.uuid4(),)])
        lines = EntityRepository(SPECS["order_lines"], session)
        line_labels = await lines.labels([(1, 2)])
        employees = await EntityRepository(SPECS["employees"], session).choices("%")
    assert labels == {(ANN,): "ann@example.com", (BOB,): "bob@example.com"}
    assert line_labels == {(1, 2): "(1, 2)"}
    assert employees == []


def test_sortable_says_why() -> None:
    assert sortable(SPECS["employees"], "email") == (True, "")
    assert sortable(SPECS["employees"], "salary") == (
        True,
        "no index on salary: sorting scans the table",
    )
    ok, why = sortable(SPECS["products"], "thumbnail")
    assert not ok and "binary" in why
    ok, why = sortable(SPECS["products"], "attributes")
    assert not ok and "JSON" in why


async def test_update_from_null_and_on_a_uuid_key(db: SessionManager) -> None:
    spec = SPECS["user"]
    async with db.read_session() as session:
        original = await EntityRepository(spec, session).get((CHLOE,))
    assert original["bio"] is None and original["country_code"] is None
    async with db.session() as session:
        await EntityRepository(spec, session).update(
            (CHLOE,), {"bio": sample_rows.MARKUP, "country_code": "JP"}, original
        )
    with pytest.raises(StaleRecordError):  # the NULL it was opened with is gone
        async with db.session() as session:
            await EntityRepository(spec, session).update((CHLOE,), {"bio": "x"}, original)
    async with db.read_session() as session:
        now = await EntityRepository(spec, session).get((CHLOE,))
    assert now["bio"] == sample_rows.MARKUP and now["country_code"] == "JP"
    assert now["display_name"] == sample_rows.ESCAPES  # untouched
