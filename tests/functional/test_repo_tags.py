"""TagRepository on a SQLite file and on PostgreSQL: paging, counts, rename, merge, delete."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, insert, select

from tests.functional.test_repo_support import StatementCounter, check_paging, insert_user
from tui.db.session import SessionManager
from tui.db.tables import posts
from tui.demo.posts import set_tags, tags_of
from tui.models import post_tags
from tui.repositories import (
    FieldErrors,
    NotFoundError,
    Query,
    StaleRecordError,
    TagRepository,
)


async def make_posts(manager: SessionManager, tag_lists: list[list[str]]) -> list[int]:
    async with manager.session() as session:
        author = await insert_user(session, "tagger")
        ids = []
        for i, names in enumerate(tag_lists):
            created = insert(posts).returning(posts.c.id)
            values = {"title": f"Post {i}", "slug": f"post-{i}", "author_id": author}
            post_id = (await session.execute(created, [values])).scalar_one()
            await set_tags(session, post_id, names)
            ids.append(post_id)
    return ids


async def tags_by_post(session, post_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Tag names per post (posts without tags left out)."""
    found: dict[int, tuple[str, ...]] = {}
    for post_id in post_ids:
        names = tuple(name for _, name in await tags_of(session, post_id))
        if names:
            found[post_id] = names
    return found


async def tag_id(session, name: str) -> int:
    return (await TagRepository(session).get_by_name(name)).id


async def test_paging_counts_and_search(manager: SessionManager, list_session: Any) -> None:
    names = [f"tag-{c}" for c in "kbjdhaeicgf"] + ["Under_score", "percent%"]
    await make_posts(manager, [names[: i + 1] for i in range(len(names))])
    async with list_session() as session:
        r = TagRepository(session)
        for sort in ("id", "name"):
            for descending in (False, True):
                assert len(await check_paging(r, Query(sort=sort, descending=descending))) == 13
        with StatementCounter(manager) as counter:
            page = await r.page(Query(sort="name"), limit=20)
        assert len(counter.selects) == 2  # the page and one grouped count
        counts = {t.name: t.post_count for t in page.rows}
        assert counts["tag-k"] == 13 and counts["percent%"] == 1 and counts["tag-f"] == 3
        with pytest.raises(ValueError):
            await r.page(Query(sort="post_count"))

        async def found(text: str) -> list[str]:
            return [t.name for t in (await r.page(Query(sort="name", search=text))).rows]

        assert await found("TAG-A") == ["tag-a"]
        assert await found("_") == ["Under_score"]
        assert await found("%") == ["percent%"]
        assert await r.suggest("ta", limit=3) == ("tag-a", "tag-b", "tag-c")
        assert await r.suggest("UNDER") == ("Under_score",)
        assert (await r.count(Query(search="tag-"))).value == 11


async def test_create_and_rename_with_duplicates(manager: SessionManager) -> None:
    async with manager.session() as session:
        r = TagRepository(session)
        python = await r.create({"name": " python "})
        await r.create({"name": "sql"})
        assert (python.name, python.post_count, python.version) == ("python", 0, 1)
        with pytest.raises(FieldErrors) as caught:
            await r.create({"name": "sql"})
        assert list(caught.value.errors) == ["name"]
        with pytest.raises(FieldErrors) as caught:
            await r.rename(python.id, "sql")
        assert list(caught.value.errors) == ["name"]
        with pytest.raises(FieldErrors) as caught:
            await r.create({"name": "bad\x00name"})
        assert list(caught.value.errors) == ["name"]
        renamed = await r.rename(python.id, "python3")
        assert (renamed.name, renamed.version) == ("python3", 2)
        with pytest.raises(StaleRecordError) as caught:
            await r.update(python.id, {"name": "py"}, python.version)
        assert caught.value.current.name == "python3"


async def test_database_unique_violation_on_rename(
    manager: SessionManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_precheck(self, *args, **kwargs) -> None:
        return None

    monkeypatch.setattr(TagRepository, "_check_unique", no_precheck)
    async with manager.session() as session:
        r = TagRepository(session)
        a = await r.create({"name": "a"})
        await r.create({"name": "b"})
        with pytest.raises(FieldErrors) as caught:
            await r.rename(a.id, "b")
        assert caught.value.errors == {"name": "a tag with this name exists"}
        assert (await r.rename(a.id, "c")).name == "c"


async def test_merge_moves_links_without_duplicates(manager: SessionManager) -> None:
    posts = await make_posts(manager, [["old", "new"], ["old"], ["new"], ["old", "other"]])
    async with manager.session() as session:
        r = TagRepository(session)
        old, new = await tag_id(session, "old"), await tag_id(session, "new")
        assert str(await r.delete_impact(old)) == "removes the tag from 3 posts"
        merged = await r.merge(old, new)
        assert (merged.name, merged.post_count) == ("new", 4)
        with pytest.raises(NotFoundError):
            await r.get(old)
        with pytest.raises(FieldErrors):
            await r.merge(new, new)
        with pytest.raises(NotFoundError):
            await r.merge(old, new)
        links = await session.execute(
            select(post_tags.c.post_id, func.count())
            .where(post_tags.c.tag_id == new)
            .group_by(post_tags.c.post_id)
        )
        assert sorted(links.all()) == [(post_id, 1) for post_id in posts]
        tags_of = await tags_by_post(session, posts)
        assert tags_of[posts[3]] == ("new", "other")


async def test_delete_impact_and_delete(manager: SessionManager) -> None:
    posts = await make_posts(manager, [["gone", "stay"], ["gone"]])
    async with manager.session() as session:
        r = TagRepository(session)
        gone = await tag_id(session, "gone")
        unused = (await r.create({"name": "unused"})).id
        impact = await r.delete_impact(gone)
        assert impact["post"] == 2
        assert str(await r.delete_impact(unused)) == "is not used by any post"
        await r.delete(gone)
        with pytest.raises(NotFoundError):
            await r.delete(gone)
        tags_of = await tags_by_post(session, posts)
        assert tags_of == {posts[0]: ("stay",)}
        one = await r.get(unused)
        with pytest.raises(StaleRecordError):
            await r.delete(unused, expected_version=one.version + 1)
        await r.delete(unused, expected_version=one.version)
