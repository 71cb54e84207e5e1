"""The seed code: row counts, realistic shape, uniqueness, determinism, repeated runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.conftest import create_schema, sqlite_settings
from tui.db.session import SessionManager
from tui.demo.slugs import slugify
from tui.models import Post, Tag, User, UserProfile, post_tags
from tui.seed import SeedError, seed


async def count(manager: SessionManager, table) -> int:
    async with manager.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_seed_writes_the_requested_rows(manager: SessionManager) -> None:
    calls: list[tuple[str, int, int]] = []
    result = await seed(manager, 300, 1_200, 25, 1, lambda *a: calls.append(a), batch_size=500)

    assert (result.users, result.posts, result.tags) == (300, 1_200, 25)
    assert await count(manager, User) == 300
    assert await count(manager, Post) == 1_200
    assert await count(manager, Tag) == 25
    assert await count(manager, UserProfile) == result.profiles
    assert 0.55 * 300 < result.profiles < 0.85 * 300
    assert await count(manager, post_tags) == result.post_tags
    # progress reached the end of every stage
    finals = {stage: (done, total) for stage, done, total in calls}
    assert finals["posts"] == (1_200, 1_200)
    assert set(finals) == {"users", "profiles", "tags", "posts", "post tags"}

    async with manager.engine.connect() as conn:
        usernames = (await conn.execute(select(User.username))).scalars().all()
        emails = (await conn.execute(select(User.email))).scalars().all()
        slugs = (await conn.execute(select(Post.slug))).scalars().all()
        statuses = set((await conn.execute(select(User.status))).scalars())
        published = (
            await conn.execute(select(func.count()).where(Post.is_published.is_(True)))
        ).scalar_one()
        per_post = (
            await conn.execute(
                select(func.max(text("n"))).select_from(
                    select(func.count().label("n"))
                    .select_from(post_tags)
                    .group_by(post_tags.c.post_id)
                    .subquery()
                )
            )
        ).scalar_one()
        span = (
            await conn.execute(select(func.min(Post.created_at), func.max(Post.created_at)))
        ).one()
        sample = (await conn.execute(select(Post).limit(1))).one()
    assert len(set(usernames)) == 300 and len(set(emails)) == 300
    assert all("@" in e for e in emails)
    assert len(set(slugs)) == 1_200
    assert {s.value if hasattr(s, "value") else s for s in statuses} >= {"active", "inactive"}
    assert 0.45 * 1_200 < published < 0.75 * 1_200
    assert per_post <= 4
    assert (span[1] - span[0]).days > 300
    assert sample.title and sample.content and sample.slug.startswith(slugify(sample.title)[:20])


async def test_seeding_twice_adds_rows_and_keeps_ids_working(manager: SessionManager) -> None:
    await seed(manager, 20, 50, 5, 3)
    await seed(manager, 20, 50, 5, 3)
    assert await count(manager, User) == 40
    assert await count(manager, Post) == 100
    assert await count(manager, Tag) == 10
    # the database still hands out fresh ids (PostgreSQL sequences moved past seeded ids)
    async with manager.session() as session:
        tag = Tag(name="brand-new-tag")
        session.add(tag)
        await session.flush()
        assert tag.id > 10


async def test_posts_only_use_existing_users(manager: SessionManager) -> None:
    with pytest.raises(SeedError, match="need authors"):
        await seed(manager, 0, 10, 0, 1)
    await seed(manager, 5, 0, 0, 1)
    result = await seed(manager, 0, 30, 0, 1)
    assert result.posts == 30 and result.post_tags == 0
    assert await count(manager, Post) == 30


async def _snapshot(path: Path, seed_value: int) -> list[tuple]:
    manager = SessionManager(sqlite_settings(path))
    await create_schema(manager)
    try:
        await seed(manager, 40, 120, 12, seed_value)
        async with manager.engine.connect() as conn:
            users = (
                await conn.execute(select(User.username, User.email, User.full_name, User.status))
            ).all()
            posts = (
                await conn.execute(
                    select(Post.title, Post.slug, Post.content, Post.is_published, Post.author_id)
                )
            ).all()
            tags = (await conn.execute(select(Tag.name))).all()
            links = (await conn.execute(select(post_tags))).all()
        return [*users, *posts, *tags, *links]
    finally:
        await manager.dispose()


async def test_same_seed_gives_same_rows(tmp_path: Path) -> None:
    first = await _snapshot(tmp_path / "a.db", 7)
    second = await _snapshot(tmp_path / "b.db", 7)
    other = await _snapshot(tmp_path / "c.db", 8)
    assert first == second
    assert first != other


async def test_seed_refuses_a_database_without_tables(tmp_path: Path) -> None:
    manager = SessionManager(sqlite_settings(tmp_path / "empty.db"))
    try:
        with pytest.raises(SeedError, match="run migrations first"):
            await seed(manager, 1, 1, 1, 1)
    finally:
        await manager.dispose()
