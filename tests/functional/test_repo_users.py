"""The demo's users through `EntityRepository` (as the Users screen and the posts' author picker
read them) on a SQLite file and on PostgreSQL: paging, search, trash, counts. The users' write
rules are tested in `test_demo_users.py`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

import tui.entities.repository as entity_repository
from tests.functional.test_repo_support import (
    check_paging,
    demo_repository,
    ordered_ids,
    walk_backward,
    walk_forward,
)
from tui.db.session import SessionManager
from tui.db.tables import UserStatus
from tui.db.tables import users as users_table
from tui.entities.query import Filter, TableQuery
from tui.entities.repository import EntityRepository

users = users_table
STATUSES = list(UserStatus)
#: The columns the Users screen lists (each sortable there).
SORTS = ("id", "username", "email", "full_name", "status", "created_at")


def repo(session: Any) -> EntityRepository:
    return demo_repository("users", session)


async def add(manager: SessionManager, *rows: dict[str, Any]) -> None:
    """Users written straight to the table (the password hash does not matter here)."""
    async with manager.session() as session:
        values = [{"hashed_password": "x", "full_name": None, **row} for row in rows]
        await session.execute(insert(users), values)  # every row with the same keys


async def seed_users(manager: SessionManager, n: int = 29) -> None:
    """`n` users with NULL and repeated full names, repeated statuses and creation times;
    every fifth one is in the trash."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    names = ["ann lee", "bob", None, "zoe", "Bob", None, "ann lee"]
    rows = [
        {
            "username": f"user{i:02d}",
            "email": f"u{(i * 7) % n:02d}@example.com",
            "hashed_password": "not-a-real-hash",
            "full_name": names[i % len(names)],
            "status": STATUSES[i % 3],
            "created_at": base + timedelta(minutes=i // 4),
            "updated_at": base,
            "deleted_at": base if i % 5 == 4 else None,
        }
        for i in range(n)
    ]
    async with manager.session() as session:
        await session.execute(insert(users), rows)


async def test_keyset_pages_agree_with_full_order_by(
    manager: SessionManager, list_session: Any
) -> None:
    await seed_users(manager)
    live = [users.c.deleted_at.is_(None)]
    async with list_session() as session:
        r = repo(session)
        for sort in SORTS:
            for descending in (False, True):
                query = TableQuery(sort=sort, descending=descending)
                assert len(await check_paging(r, query, live)) == 24
        trash = TableQuery(sort="full_name", trash=True)
        assert len(await check_paging(r, trash, [users.c.deleted_at.is_not(None)])) == 5
        active = TableQuery(
            sort="created_at",
            descending=True,
            filters=(Filter("status", "eq", UserStatus.ACTIVE),),
        )
        await check_paging(r, active, [*live, users.c.status == UserStatus.ACTIVE])


async def test_nulls_come_last_ascending_and_first_descending(manager: SessionManager) -> None:
    await seed_users(manager)
    async with manager.session() as session:
        r = repo(session)
        up = (await r.page(TableQuery(sort="full_name"), limit=100)).rows
        down = (await r.page(TableQuery(sort="full_name", descending=True), limit=100)).rows
    names = [row["full_name"] for row in up]
    first_null = names.index(None)
    assert all(name is None for name in names[first_null:])
    assert all(name is not None for name in names[:first_null])
    assert [row["id"] for row in down] == [row["id"] for row in reversed(up)]


async def test_unknown_sort_or_filter_is_a_value_error(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = repo(session)
        with pytest.raises(ValueError, match="colour"):
            await r.page(TableQuery(sort="colour"))
        with pytest.raises(ValueError, match="colour"):
            await r.page(TableQuery(filters=(Filter("colour", "eq", "red"),)))
        with pytest.raises(ValueError, match="sleeping"):
            await r.count(TableQuery(filters=(Filter("status", "eq", "sleeping"),)))


async def test_search_is_case_insensitive_and_escapes_wildcards(manager: SessionManager) -> None:
    await add(
        manager,
        dict(username="alice", email="alice@example.com"),
        dict(username="bob_x", email="b@example.org", full_name="Al%"),
        dict(username="carol", email="c@example.net"),
    )
    async with manager.session() as session:
        r = repo(session)

        async def found(text: str) -> list[str]:
            page = await r.page(TableQuery(sort="username", search=text))
            return [row["username"] for row in page.rows]

        assert await found("ALI") == ["alice"]
        assert await found("example.org") == ["bob_x"]
        assert await found("al%") == ["bob_x"]
        assert await found("b_x") == ["bob_x"]
        assert await found("_") == ["bob_x"]
        assert await found("a\x00l") == []  # a NUL never reaches the driver
        assert await found("  ") == ["alice", "bob_x", "carol"]
        assert (await r.count(TableQuery(search="example"))).value == 3


async def test_rows_are_plain_values(manager: SessionManager, list_session: Any) -> None:
    await add(manager, dict(username="ned", email="ned@example.com"))
    async with list_session() as session:
        page = await repo(session).page(TableQuery())
        stored = (await session.execute(select(users).where(users.c.username == "ned"))).one()
    row = page.rows[0]
    assert dict(row) == dict(stored._mapping)
    assert row["status"] is UserStatus.ACTIVE and isinstance(row["created_at"], datetime)
    with pytest.raises(TypeError):
        row["username"] = "changed"  # type: ignore[index]


async def test_count_estimates_only_big_unfiltered_postgres_tables(
    manager: SessionManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_users(manager)
    async with manager.session() as session:
        if manager.settings.is_sqlite:
            expected_estimated = False
        else:
            await session.execute(select(1))
            await (await session.connection()).exec_driver_sql("ANALYZE users")
            expected_estimated = True
        monkeypatch.setattr(entity_repository, "ESTIMATE_THRESHOLD", 5)
        r = repo(session)
        total = await r.count(TableQuery())
        assert total.estimated is expected_estimated
        assert total.value >= 24 if total.estimated else total.value == 24
        assert str(total).startswith("~") is expected_estimated
        active = TableQuery(filters=(Filter("status", "eq", UserStatus.ACTIVE),))
        assert not (await r.count(active)).estimated


USER_ROWS = st.lists(
    st.tuples(
        st.sampled_from([None, "a", "b", "B", "ab", "zz"]),
        st.sampled_from(STATUSES),
        st.integers(min_value=0, max_value=3),
        st.booleans(),
    ),
    max_size=14,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=USER_ROWS,
    sort=st.sampled_from(SORTS),
    descending=st.booleans(),
    limit=st.integers(min_value=1, max_value=5),
)
async def test_keyset_walks_match_order_by_on_random_data(
    manager: SessionManager, rows: list, sort: str, descending: bool, limit: int
) -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    async with manager.session() as session:
        await session.execute(delete(users))
        if rows:
            await session.execute(
                insert(users),
                [
                    {
                        "username": f"u{i}",
                        "email": f"u{len(rows) - i}@example.com",
                        "hashed_password": "x",
                        "full_name": name,
                        "status": status,
                        "created_at": base + timedelta(days=day),
                        "deleted_at": base if trashed else None,
                    }
                    for i, (name, status, day, trashed) in enumerate(rows)
                ],
            )
    for trash in (False, True):
        query = TableQuery(sort=sort, descending=descending, trash=trash)
        where = [users.c.deleted_at.is_not(None) if trash else users.c.deleted_at.is_(None)]
        async with manager.session() as session:
            r = repo(session)
            expected = await ordered_ids(r, query, where)
            assert await walk_forward(r, query, limit) == expected
            assert await walk_backward(r, query, limit) == expected
            middle = len(expected) // 2
            page = await r.page_at(query, middle, limit)
            assert [row["id"] for row in page.rows] == expected[middle : middle + limit]
