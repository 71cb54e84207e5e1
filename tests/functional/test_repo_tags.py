"""The demo's tags through `EntityRepository` and `tui.demo.tags` (as the Tags screen and the
posts' tag completion use them) on a SQLite file and on PostgreSQL: paging, counts, search,
completion, create, rename, merge, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from tests.functional.test_repo_support import (
    StatementCounter,
    check_paging,
    demo_repository,
    insert_user,
)
from tui.db.session import SessionManager
from tui.db.tables import post_tags, posts, tags
from tui.demo.posts import set_tags, tags_of
from tui.demo.tags import TagAdmin, merge_tags, tag_names
from tui.entities.errors import NotFoundError, StaleRecordError
from tui.entities.query import TableQuery
from tui.entities.repository import EntityRepository
from tui.schemas.errors import FieldErrors

ADMIN = TagAdmin()


def repo(session: Any) -> EntityRepository:
    return demo_repository("tags", session)


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


async def tags_by_post(session: Any, post_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Tag names per post (posts without tags left out)."""
    found: dict[int, tuple[str, ...]] = {}
    for post_id in post_ids:
        names = tuple(name for _, name in await tags_of(session, post_id))
        if names:
            found[post_id] = names
    return found


async def tag_row(session: Any, name: str) -> Mapping[str, Any]:
    """The tag called `name` as the list reads it (its post count included)."""
    page = await repo(session).page(TableQuery(search=name), limit=50)
    return next(row for row in page.rows if row["name"] == name)


async def save(
    session: Any,
    values: Mapping[str, Any],
    key: tuple[Any, ...] | None = None,
    original: Mapping[str, Any] | None = None,
) -> tuple[Any, ...]:
    """Save form `values` as the Tags screen does: a new tag, or the changes of `key`."""
    new = key is None
    row = {k: v for k, v in ADMIN.to_row(dict(values), new=new).items() if k in tags.c}
    row = await ADMIN.before_save(session, key, row, new=new)
    if key is None:
        return await repo(session).insert(row)
    assert original is not None
    await repo(session).update(key, row, original)
    return key


async def test_paging_counts_and_search(manager: SessionManager, list_session: Any) -> None:
    names = [f"tag-{c}" for c in "kbjdhaeicgf"] + ["Under_score", "percent%"]
    await make_posts(manager, [names[: i + 1] for i in range(len(names))])
    async with list_session() as session:
        r = repo(session)
        for sort in ("id", "name"):
            for descending in (False, True):
                query = TableQuery(sort=sort, descending=descending)
                assert len(await check_paging(r, query)) == 13
        with StatementCounter(manager) as counter:
            page = await r.page(TableQuery(sort="name"), limit=20)
        assert len(counter.selects) == 1  # the post counts are part of the page's query
        counts = {t["name"]: t["post_count"] for t in page.rows}
        assert counts["tag-k"] == 13 and counts["percent%"] == 1 and counts["tag-f"] == 3
        with pytest.raises(ValueError):
            await r.page(TableQuery(sort="post_count"))

        async def found(text: str) -> list[str]:
            return [t["name"] for t in (await r.page(TableQuery(sort="name", search=text))).rows]

        assert await found("TAG-A") == ["tag-a"]
        assert await found("_") == ["Under_score"]
        assert await found("%") == ["percent%"]
        assert (await r.count(TableQuery(search="tag-"))).value == 11

        assert await tag_names(session, "ta", limit=3) == ["tag-a", "tag-b", "tag-c"]
        assert await tag_names(session, "UNDER") == ["Under_score"]
        assert await tag_names(session, "_") == []  # a prefix, matched literally
        assert await tag_names(session, "percent%") == ["percent%"]
        assert len(await tag_names(session, "")) == 10


async def test_create_and_rename_with_duplicates(manager: SessionManager) -> None:
    async with manager.session() as session:
        key = await save(session, {"name": " python "})
        await save(session, {"name": "sql"})
        python = await repo(session).get(key)
        assert (python["name"], python["version"]) == ("python", 1)
        assert (await tag_row(session, "python"))["post_count"] == 0
        with pytest.raises(FieldErrors) as caught:
            await save(session, {"name": "sql"})
        assert caught.value.errors == {"name": "already taken"}
        with pytest.raises(FieldErrors) as caught:
            await save(session, {"name": "sql"}, key, python)
        assert caught.value.errors == {"name": "already taken"}
        with pytest.raises(FieldErrors) as caught:
            await save(session, {"name": "bad\x00name"})
        assert list(caught.value.errors) == ["name"]
        await save(session, {"name": "python3"}, key, python)
        renamed = await repo(session).get(key)
        assert (renamed["name"], renamed["version"]) == ("python3", 2)
        with pytest.raises(StaleRecordError) as caught_stale:
            await save(session, {"name": "py"}, key, python)  # the version read before
        assert caught_stale.value.current["name"] == "python3"
        assert (await repo(session).get(key))["name"] == "python3"


async def test_merge_moves_links_without_duplicates(manager: SessionManager) -> None:
    posts = await make_posts(manager, [["old", "new"], ["old"], ["new"], ["old", "other"]])
    async with manager.session() as session:
        r = repo(session)
        old, new = await tag_row(session, "old"), await tag_row(session, "new")
        impact = await r.delete_impact((old["id"],))
        assert ADMIN.impact_text(impact) == "This removes the tag from 3 posts."
        await merge_tags(r, old, new["id"])
        merged = await tag_row(session, "new")
        assert merged["post_count"] == 4
        assert merged["version"] == new["version"] + 1  # an edit opened before is a conflict
        with pytest.raises(NotFoundError):
            await r.get((old["id"],))
        with pytest.raises(FieldErrors) as caught:
            await merge_tags(r, merged, merged["id"])
        assert list(caught.value.errors) == ["target"]
        with pytest.raises(StaleRecordError):  # the source is gone
            await merge_tags(r, old, merged["id"])
        links = await session.execute(
            select(post_tags.c.post_id, func.count())
            .where(post_tags.c.tag_id == new["id"])
            .group_by(post_tags.c.post_id)
        )
        assert sorted(links.all()) == [(post_id, 1) for post_id in posts]
        tags_of = await tags_by_post(session, posts)
        assert tags_of[posts[3]] == ("new", "other")


async def test_merge_checks_what_was_read(manager: SessionManager) -> None:
    await make_posts(manager, [["old"], ["new"]])
    async with manager.session() as session:
        old, new = await tag_row(session, "old"), await tag_row(session, "new")
    async with manager.session() as session:  # someone renames the source meanwhile
        await save(session, {"name": "older"}, (old["id"],), old)
    with pytest.raises(StaleRecordError):
        async with manager.session() as session:
            await merge_tags(repo(session), old, new["id"])
    with pytest.raises(NotFoundError):
        async with manager.session() as session:
            await merge_tags(repo(session), await tag_row(session, "older"), new["id"] + 100)
    async with manager.read_session() as session:  # nothing was written
        assert (await tag_row(session, "older"))["post_count"] == 1
        assert (await tag_row(session, "new"))["post_count"] == 1
        assert (await tag_row(session, "new"))["version"] == new["version"]


async def test_delete_impact_and_delete(manager: SessionManager) -> None:
    posts = await make_posts(manager, [["gone", "stay"], ["gone"]])
    async with manager.session() as session:
        r = repo(session)
        gone = await tag_row(session, "gone")
        unused = await r.get(await save(session, {"name": "unused"}))
        impact = await r.delete_impact((gone["id"],))
        assert sum(item.count for item in impact.cascades) == 2
        assert ADMIN.impact_text(await r.delete_impact((unused["id"],))) == (
            "This is not used by any post."
        )
        await r.delete((gone["id"],), gone)
        with pytest.raises(StaleRecordError):
            await r.delete((gone["id"],), gone)
        assert await tags_by_post(session, posts) == {posts[0]: ("stay",)}
        with pytest.raises(StaleRecordError):
            await r.delete((unused["id"],), {**unused, "version": unused["version"] + 1})
        await r.delete((unused["id"],), unused)
        assert await tag_names(session, "") == ["stay"]
