"""UserRepository on a SQLite file and on PostgreSQL: paging, CRUD, trash, errors."""

from __future__ import annotations

import asyncio
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

import tui.repositories.base as repo_base
from tests.functional.test_repo_support import (
    FAST_HASHER,
    check_paging,
    ordered_ids,
    walk_backward,
    walk_forward,
)
from tui.db.session import SessionManager
from tui.models import Post, User, UserStatus
from tui.repositories import (
    FieldErrors,
    NotFoundError,
    Query,
    StaleRecordError,
    UserRepository,
    UserRow,
)

users = User.__table__
STATUSES = list(UserStatus)


def repo(session) -> UserRepository:
    return UserRepository(session, FAST_HASHER)


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
        for sort in ("id", "username", "email", "full_name", "status", "created_at"):
            for descending in (False, True):
                expected = await check_paging(r, Query(sort=sort, descending=descending), live)
                assert len(expected) == 24
        trash = Query(sort="full_name", filters={"trash": True})
        assert len(await check_paging(r, trash, [users.c.deleted_at.is_not(None)])) == 5
        active = Query(sort="created_at", descending=True, filters={"status": "active"})
        await check_paging(r, active, [*live, users.c.status == UserStatus.ACTIVE])


async def test_nulls_come_last_ascending_and_first_descending(manager: SessionManager) -> None:
    await seed_users(manager)
    async with manager.session() as session:
        r = repo(session)
        up = (await r.page(Query(sort="full_name"), limit=100)).rows
        down = (await r.page(Query(sort="full_name", descending=True), limit=100)).rows
    names = [row.full_name for row in up]
    first_null = names.index(None)
    assert all(name is None for name in names[first_null:])
    assert all(name is not None for name in names[:first_null])
    assert [row.id for row in down] == [row.id for row in reversed(up)]


async def test_unknown_sort_or_filter_is_a_value_error(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = repo(session)
        with pytest.raises(ValueError, match="sort"):
            await r.page(Query(sort="hashed_password"))
        with pytest.raises(ValueError, match="filter"):
            await r.page(Query(filters={"colour": "red"}))
        with pytest.raises(ValueError, match="status"):
            await r.count(Query(filters={"status": "sleeping"}))


async def test_search_is_case_insensitive_and_escapes_wildcards(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = repo(session)
        await r.create(dict(username="alice", email="alice@example.com", password="password1"))
        await r.create(
            dict(username="bob_x", email="b@example.org", password="password1", full_name="Al%")
        )
        await r.create(dict(username="carol", email="c@example.net", password="password1"))

        async def found(text: str) -> list[str]:
            page = await r.page(Query(sort="username", search=text))
            return [row.username for row in page.rows]

        assert await found("ALI") == ["alice"]
        assert await found("example.org") == ["bob_x"]
        assert await found("al%") == ["bob_x"]
        assert await found("b_x") == ["bob_x"]
        assert await found("_") == ["bob_x"]
        assert await found("a\x00l") == []  # a NUL never reaches the driver
        assert await found("  ") == ["alice", "bob_x", "carol"]
        assert (await r.count(Query(search="example"))).value == 3


async def test_create_hashes_password_and_creates_profile(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = repo(session)
        user = await r.create(
            {
                "username": "  dana ",
                "email": "Dana@Example.com",
                "password": "correct horse",
                "full_name": "",
                "profile": {"bio": "line one\nline two", "location": "Oslo"},
            }
        )
    assert (user.username, user.email, user.full_name) == ("dana", "Dana@example.com", None)
    assert user.profile is not None and user.profile.bio == "line one\nline two"
    assert user.version == 1 and user.post_count == 0
    assert not hasattr(user, "password") and not hasattr(user, "hashed_password")
    async with manager.session() as session:
        stored = (
            await session.execute(select(users.c.hashed_password).where(users.c.id == user.id))
        ).scalar_one()
        assert "correct horse" not in stored and stored.startswith("$argon2")
        assert await repo(session).verify_password("dana", "correct horse")
        assert not await repo(session).verify_password("dana", "wrong horse")


async def test_update_keeps_blank_password_and_adds_profile(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = repo(session)
        user = await r.create(dict(username="eve", email="eve@example.com", password="first-pass"))
        assert user.profile is None
        user = await r.update(
            user.id,
            {"password": "", "full_name": "Eve E", "profile": {"avatar_url": "https://x.io/a.png"}},
            user.version,
        )
        assert user.version == 2 and user.full_name == "Eve E"
        assert user.profile is not None and user.profile.avatar_url == "https://x.io/a.png"
        assert await r.verify_password("eve", "first-pass")
        user = await r.update(
            user.id, {"password": "second-pass", "status": "suspended"}, user.version
        )
        assert user.status is UserStatus.SUSPENDED
        assert await r.verify_password("eve", "second-pass")
        user = await r.update(user.id, {"full_name": ""}, user.version)
        assert user.full_name is None and user.version == 4


async def test_stale_update_raises_with_current_row(manager: SessionManager) -> None:
    async with manager.session() as session:
        opened = await repo(session).create(
            dict(username="fay", email="fay@example.com", password="password1")
        )
    async with manager.session() as session:
        await repo(session).update(opened.id, {"full_name": "Changed Elsewhere"}, opened.version)
    async with manager.session() as session:
        with pytest.raises(StaleRecordError) as caught:
            await repo(session).update(opened.id, {"full_name": "Mine"}, opened.version)
    assert caught.value.current.full_name == "Changed Elsewhere"
    assert caught.value.current.version == opened.version + 1
    async with manager.session() as session:
        await repo(session).delete(opened.id)
    async with manager.session() as session:
        with pytest.raises(StaleRecordError) as caught:
            await repo(session).update(opened.id, {"full_name": "Mine"}, opened.version + 1)
    assert caught.value.current is None
    assert "deleted" in str(caught.value)


async def test_concurrent_updates_of_one_version_let_exactly_one_win(
    manager: SessionManager,
) -> None:
    """Two editors save the same version at once: one wins, the other gets the winner's row
    (the row is locked between the version check and the write on both backends)."""
    async with manager.session() as session:
        opened = await repo(session).create(
            dict(username="race", email="race@example.com", password="password1")
        )

    async def save(name: str) -> str:
        try:
            async with manager.session() as session:
                await repo(session).update(
                    opened.id, {"full_name": name, "password": "new-password"}, opened.version
                )
        except StaleRecordError as exc:
            return f"stale:{exc.current.full_name}"
        return f"saved:{name}"

    results = sorted(await asyncio.gather(save("first"), save("second")))
    winner = next(r.split(":")[1] for r in results if r.startswith("saved:"))
    assert results == sorted([f"saved:{winner}", f"stale:{winner}"])
    async with manager.session() as session:
        current = await repo(session).get(opened.id)
    assert (current.full_name, current.version) == (winner, opened.version + 1)


async def test_duplicates_become_field_errors(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = repo(session)
        gus = await r.create(dict(username="gus", email="gus@example.com", password="password1"))
        with pytest.raises(FieldErrors) as caught:
            await r.create(dict(username="gus", email="gus@example.com", password="password1"))
        assert set(caught.value.errors) == {"username", "email"}
        hal = await r.create(dict(username="hal", email="hal@example.com", password="password1"))
        with pytest.raises(FieldErrors) as caught:
            await r.update(hal.id, {"email": "gus@example.com"}, hal.version)
        assert set(caught.value.errors) == {"email"}
        await r.soft_delete(gus.id)
        with pytest.raises(FieldErrors) as caught:
            await r.create(dict(username="gus", email="new@example.com", password="password1"))
        assert "trash" in caught.value.errors["username"]


async def test_database_unique_violation_maps_to_field_and_session_survives(
    manager: SessionManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the pre-check misses (a concurrent insert), the constraint still names the field."""

    async def no_precheck(self, *args, **kwargs) -> None:
        return None

    monkeypatch.setattr(UserRepository, "_check_unique", no_precheck)
    async with manager.session() as session:
        r = repo(session)
        await r.create(dict(username="ivy", email="ivy@example.com", password="password1"))
        with pytest.raises(FieldErrors) as caught:
            await r.create(dict(username="ivy", email="other@example.com", password="password1"))
        assert list(caught.value.errors) == ["username"]
        with pytest.raises(FieldErrors) as caught:
            await r.create(dict(username="ivy2", email="ivy@example.com", password="password1"))
        assert list(caught.value.errors) == ["email"]
        # the session is still usable and the earlier work commits
        await r.create(dict(username="jon", email="jon@example.com", password="password1"))
    async with manager.session() as session:
        names = [row.username for row in (await repo(session).page(Query())).rows]
    assert names == ["ivy", "jon"]


async def test_nul_bytes_are_rejected_before_the_database(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = repo(session)
        with pytest.raises(FieldErrors) as caught:
            await r.create(
                {
                    "username": "kim",
                    "email": "kim@example.com",
                    "password": "password1",
                    "full_name": "K\x00m",
                    "profile": {"bio": "ok\x00"},
                }
            )
        assert set(caught.value.errors) == {"full_name", "profile.bio"}
        assert (await r.count(Query())).value == 0


async def test_trash_restore_and_permanent_delete(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = repo(session)
        lee = await r.create(
            dict(username="lee", email="lee@example.com", password="password1", profile={})
        )
        max_ = await r.create(dict(username="max", email="max@example.com", password="password1"))
        for i in range(3):
            session.add(Post(title=f"p{i}", slug=f"p{i}", author_id=lee.id))
        await session.flush()

        trashed = await r.soft_delete(lee.id)
        assert trashed.is_deleted and trashed.version == lee.version + 1
        assert [u.username for u in (await r.page(Query())).rows] == ["max"]
        assert [u.username for u in (await r.page(Query(filters={"trash": True}))).rows] == ["lee"]
        assert (await r.count(Query(filters={"deleted": True}))).value == 1
        assert (await r.get(lee.id)).is_deleted  # still readable from the trash

        restored = await r.restore(lee.id)
        assert not restored.is_deleted
        assert (await r.count(Query())).value == 2

        impact = await r.delete_impact(lee.id)
        assert (impact["post"], impact["profile"]) == (3, 1)
        assert str(impact) == "deletes 3 posts, 1 profile"
        assert str(await r.delete_impact(max_.id)).startswith("deletes nothing else")

        await r.delete(lee.id)
        with pytest.raises(NotFoundError):
            await r.get(lee.id)
        with pytest.raises(NotFoundError):
            await r.delete(lee.id)
        with pytest.raises(NotFoundError):
            await r.delete_impact(lee.id)
        left = (await session.execute(select(Post.id).where(Post.author_id == lee.id))).all()
        assert left == []


async def test_rows_are_plain_values(manager: SessionManager, list_session: Any) -> None:
    async with manager.session() as session:
        created = await repo(session).create(
            dict(username="ned", email="ned@example.com", password="password1")
        )
    async with list_session() as session:
        page = await repo(session).page(Query())
    row = page.rows[0]
    assert type(row) is UserRow
    assert row == UserRow(**{f.name: getattr(created, f.name) for f in fields(UserRow)})
    assert row.status is UserStatus.ACTIVE and isinstance(row.created_at, datetime)
    with pytest.raises(AttributeError):
        row.username = "changed"  # type: ignore[misc]


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
        monkeypatch.setattr(repo_base, "ESTIMATE_THRESHOLD", 5)
        r = repo(session)
        total = await r.count(Query())
        assert total.estimated is expected_estimated
        assert total.value >= 24 if total.estimated else total.value == 24
        assert str(total).startswith("~") is expected_estimated
        filtered = await r.count(Query(filters={"status": "active"}))
        assert not filtered.estimated


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
    sort=st.sampled_from(sorted(UserRepository.sortable)),
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
        query = Query(sort=sort, descending=descending, filters={"trash": trash})
        where = [users.c.deleted_at.is_not(None) if trash else users.c.deleted_at.is_(None)]
        async with manager.session() as session:
            r = repo(session)
            expected = await ordered_ids(r, query, where)
            assert await walk_forward(r, query, limit) == expected
            assert await walk_backward(r, query, limit) == expected
            middle = len(expected) // 2
            page = await r.page_at(query, middle, limit)
            assert [row.id for row in page.rows] == expected[middle : middle + limit]


async def test_blank_profile_data_creates_no_profile(manager: SessionManager) -> None:
    async with manager.session() as session:
        repo = UserRepository(session)
        user = await repo.create(
            {"username": "noprof", "email": "np@example.com", "password": "long enough"}
        )
        blank = {"bio": None, "avatar_url": None, "location": None}
        updated = await repo.update(user.id, {"full_name": "N P", "profile": blank}, user.version)
        assert updated.profile is None
        impact = await repo.delete_impact(user.id)
        assert str(impact) == "deletes nothing else (no posts, no profile)"
        filled = await repo.update(user.id, {"profile": {"location": "Oslo"}}, updated.version)
        assert filled.profile is not None and filled.profile.location == "Oslo"
