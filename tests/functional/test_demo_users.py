"""The demo's user rules (`tui.demo.users.UserAdmin`) on the write path the Users screen takes
(`to_row`, `before_save`, `EntityRepository`, `after_save` in one transaction), on a SQLite
file and on PostgreSQL: duplicates without regard to case, a race that misses the check,
NUL bytes, concurrent saves of one version, trash and what a delete takes along."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from tui.db.session import SessionManager
from tui.db.tables import posts, user_profiles, users
from tui.demo.registry import demo_registry
from tui.demo.users import UserAdmin
from tui.entities.errors import StaleRecordError
from tui.entities.repository import EntityRepository
from tui.entities.spec import EntitySpec
from tui.schemas.errors import FieldErrors

ADMIN = UserAdmin()


def spec() -> EntitySpec:
    return ADMIN.labelled(demo_registry().known("users"))


def repository(session: Any) -> EntityRepository:
    return EntityRepository(spec(), session, ADMIN)


async def save(
    manager: SessionManager,
    values: Mapping[str, Any],
    key: tuple[Any, ...] | None = None,
    original: Mapping[str, Any] | None = None,
) -> tuple[Any, ...]:
    """Save form `values` as the Users screen does: a new user, or the changes of `key`."""
    new = key is None
    row = {k: v for k, v in ADMIN.to_row(dict(values), new=new).items() if k in users.c}
    async with manager.session() as session:
        await ADMIN.before_save(session, key, row, new=new)
        if key is None:
            key = await repository(session).insert(row)
        else:
            assert original is not None
            await repository(session).update(key, row, original)
        await ADMIN.after_save(session, key, values, new=new)
    return key


def user(name: str, **values: Any) -> dict[str, Any]:
    return {"username": name, "email": f"{name}@example.com", "password": "password1", **values}


async def read(manager: SessionManager, key: tuple[Any, ...]) -> Mapping[str, Any]:
    async with manager.read_session() as session:
        return await repository(session).get(key)


async def test_duplicates_are_named_at_their_field(manager: SessionManager) -> None:
    gus = await save(manager, user("gus"))
    with pytest.raises(FieldErrors) as caught:
        await save(manager, user("GUS", email="Gus@Example.com"))
    assert caught.value.errors == {
        "username": "already taken",
        "email": "already used by another user",
    }
    hal = await save(manager, user("hal"))
    with pytest.raises(FieldErrors) as caught:
        await save(manager, {"email": "GUS@example.com"}, hal, await read(manager, hal))
    assert caught.value.errors == {"email": "already used by another user"}
    await save(manager, {"username": "Gus"}, gus, await read(manager, gus))  # its own name
    async with manager.session() as session:
        await repository(session).soft_delete(gus)
    with pytest.raises(FieldErrors) as caught:
        await save(manager, user("gUS", email="new@example.com"))
    assert caught.value.errors == {"username": "already taken (by a user in the trash)"}
    async with manager.read_session() as session:
        names = (await session.execute(select(users.c.username).order_by(users.c.id))).all()
    assert names == [("Gus",), ("hal",)]


async def test_a_race_past_the_check_still_names_the_field(manager: SessionManager) -> None:
    """What a concurrent insert between the check and the write ends in: the index's error,
    at the field, and the session stays usable."""
    await save(manager, user("ivy", email="ivy@x.org"))
    async with manager.session() as session:
        repo = repository(session)
        duplicates = {
            "username": user("IVY", email="o@x.org"),
            "email": user("o", email="IVY@x.org"),
        }
        for field, values in duplicates.items():
            row = {k: v for k, v in ADMIN.to_row(values, new=True).items() if k in users.c}
            with pytest.raises(FieldErrors) as caught:
                await repo.insert(row)  # no before_save: the check is missed
            assert caught.value.errors == {field: "already taken"}
        await repo.insert({k: v for k, v in ADMIN.to_row(user("jon"), new=True).items()})
    async with manager.read_session() as session:
        names = (await session.execute(select(users.c.username).order_by(users.c.id))).all()
    assert names == [("ivy",), ("jon",)]


async def test_nul_bytes_are_refused_before_the_database(manager: SessionManager) -> None:
    with pytest.raises(FieldErrors) as caught:
        await save(manager, user("kim", full_name="K\x00m", bio="ok\x00"))
    assert set(caught.value.errors) == {"full_name", "bio"}
    async with manager.read_session() as session:
        assert (await session.execute(text("select count(*) from users"))).scalar_one() == 0


async def test_concurrent_saves_of_one_version_let_exactly_one_win(
    manager: SessionManager,
) -> None:
    """Two editors save the same version at once: one wins, the other gets the winner's row."""
    key = await save(manager, user("race"))
    opened = await read(manager, key)

    async def attempt(name: str) -> str:
        try:
            await save(manager, {"full_name": name, "password": "new-password"}, key, opened)
        except StaleRecordError as exc:
            return f"stale:{exc.current['full_name']}"
        return f"saved:{name}"

    results = sorted(await asyncio.gather(attempt("first"), attempt("second")))
    winner = next(r.split(":")[1] for r in results if r.startswith("saved:"))
    assert results == sorted([f"saved:{winner}", f"stale:{winner}"])
    now = await read(manager, key)
    assert (now["full_name"], now["version"]) == (winner, opened["version"] + 1)
    assert now["hashed_password"] != opened["hashed_password"]


async def test_trash_moves_the_version_and_a_delete_says_what_it_takes(
    manager: SessionManager,
) -> None:
    lee = await save(manager, user("lee", location="Lima"))
    bare = await save(manager, user("max"))
    async with manager.session() as session:
        await session.execute(
            insert(posts),
            [{"title": f"p{i}", "slug": f"p{i}", "author_id": lee[0]} for i in range(3)],
        )
    opened = await read(manager, lee)
    async with manager.session() as session:
        await repository(session).soft_delete(lee, opened)
    trashed = await read(manager, lee)
    assert trashed["deleted_at"] is not None and trashed["version"] == opened["version"] + 1
    with pytest.raises(StaleRecordError, match="this user was changed meanwhile"):
        async with manager.session() as session:  # restored by someone, then trashed by me
            await repository(session).restore(lee)
            await repository(session).soft_delete(lee, trashed)
    async with manager.read_session() as session:
        impact = await repository(session).delete_impact(lee)
        assert ADMIN.impact_text(impact) == "This deletes 3 posts, 1 profile."
        nothing = await repository(session).delete_impact(bare)
        assert ADMIN.impact_text(nothing) == "This deletes nothing else (no posts, no profile)."
    before = await read(manager, lee)
    async with manager.session() as session:
        await repository(session).delete(lee, before)
    async with manager.read_session() as session:
        left = (await session.execute(select(user_profiles.c.user_id))).all()
    assert left == []
