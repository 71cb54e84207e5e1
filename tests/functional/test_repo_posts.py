"""PostRepository on a SQLite file and on PostgreSQL: paging, slugs, tags, search, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from tests.functional.test_repo_support import StatementCounter, check_paging, insert_user
from tui.db.session import SessionManager
from tui.models import Post, Tag, post_tags
from tui.repositories import (
    FieldErrors,
    NotFoundError,
    PostRepository,
    PostRow,
    Query,
    StaleRecordError,
    TagRepository,
)
from tui.schemas import MAX_CONTENT

posts = Post.__table__
tags = Tag.__table__
WORDS = ["alpha", "bravo", "charlie", "delta"]


async def make_author(manager: SessionManager, name: str = "writer") -> int:
    async with manager.session() as session:
        return await insert_user(session, name)


async def seed_posts(manager: SessionManager, n: int = 31) -> list[int]:
    """Three authors; `n` posts with repeated titles and creation times; tags t0…t2."""
    authors = [await make_author(manager, f"a{i}") for i in range(3)]
    base = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [
        {
            "id": i + 1,
            "title": f"{WORDS[i % 4]} title",
            "slug": f"post-{i}",
            "content": f"body {WORDS[(i + 1) % 4]} number{i}",
            "is_published": i % 3 == 0,
            "author_id": authors[i % 3],
            "created_at": base + timedelta(hours=i // 3),
            "updated_at": base,
        }
        for i in range(n)
    ]
    links = [
        {"post_id": i + 1, "tag_id": t + 1} for i in range(n) for t in range(3) if (i + t) % 4 == 0
    ]
    async with manager.session() as session:
        await session.execute(insert(tags), [{"id": t + 1, "name": f"t{t}"} for t in range(3)])
        await session.execute(insert(posts), rows)
        await session.execute(insert(post_tags), links)
    if not manager.settings.is_sqlite:  # explicit ids: move the sequences past them
        async with manager.session() as session:
            for table in ("posts", "tags"):
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                await session.execute(
                    text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))")
                )
    return authors


async def test_keyset_pages_agree_with_full_order_by(
    manager: SessionManager, list_session: Any
) -> None:
    authors = await seed_posts(manager)
    async with list_session() as session:
        r = PostRepository(session)
        for sort in ("id", "title", "slug", "created_at", "is_published", "author_id"):
            for descending in (False, True):
                assert len(await check_paging(r, Query(sort=sort, descending=descending))) == 31
        published = Query(sort="title", filters={"published": True})
        await check_paging(r, published, [posts.c.is_published.is_(True)])
        in_t1 = posts.c.id.in_(select(post_tags.c.post_id).where(post_tags.c.tag_id == 2))
        by_name = Query(sort="created_at", descending=True, filters={"tag": "t1"})
        assert len(await check_paging(r, by_name, [in_t1])) == 7
        by_id = Query(sort="created_at", descending=True, filters={"tag": 2})
        assert len(await check_paging(r, by_id, [in_t1])) == 7
        mine = Query(sort="is_published", filters={"author_id": authors[1], "published": False})
        expected_where = [posts.c.author_id == authors[1], posts.c.is_published.is_(False)]
        await check_paging(r, mine, expected_where)
        searched = Query(sort="title", search="bravo")
        bravo = [posts.c.title.like("%bravo%") | posts.c.content.like("%bravo%")]
        assert len(await check_paging(r, searched, bravo)) == 16
        with pytest.raises(ValueError):
            await r.page(Query(sort="content"))
        with pytest.raises(ValueError):
            await r.page(Query(filters={"published": "maybe"}))


async def test_tags_and_authors_load_in_the_page_query(
    manager: SessionManager, list_session: Any
) -> None:
    await seed_posts(manager)
    async with list_session() as session:
        r = PostRepository(session)
        with StatementCounter(manager) as counter:
            page = await r.page(Query(sort="id"), limit=10)
        assert len(counter.selects) == 1, counter.statements  # no query per row, no lazy load
        row = next(row for row in page.rows if row.id == 1)
        assert isinstance(row, PostRow)
        assert row.tags == ("t0",) and row.author == "a0"
        assert [row.tags for row in page.rows[1:4]] == [(), ("t2",), ("t1",)]
        assert [row.author for row in page.rows[:4]] == ["a0", "a1", "a2", "a0"]
        assert (await r.get(1)).content == "body bravo number0"


async def test_slugs_are_derived_unique_and_editable(manager: SessionManager) -> None:
    author = await make_author(manager)
    async with manager.session() as session:
        r = PostRepository(session)
        first = await r.create({"title": "Crème Brûlée: 10 Tips!", "author_id": author})
        second = await r.create({"title": "creme brulee 10 tips", "author_id": author})
        third = await r.create({"title": "Crème brûlée — 10 tips", "author_id": author})
        assert [first.slug, second.slug, third.slug] == [
            "creme-brulee-10-tips",
            "creme-brulee-10-tips-2",
            "creme-brulee-10-tips-3",
        ]
        assert (await r.create({"title": "!!!", "author_id": author})).slug == "post"
        long = await r.create({"title": "x" * 200, "author_id": author})
        assert long.slug == "x" * 200

        with pytest.raises(FieldErrors) as caught:
            await r.create({"title": "Other", "slug": first.slug, "author_id": author})
        assert list(caught.value.errors) == ["slug"]
        with pytest.raises(FieldErrors) as caught:
            await r.create({"title": "Other", "slug": "Not A Slug", "author_id": author})
        assert list(caught.value.errors) == ["slug"]

        retitled = await r.update(second.id, {"title": "Fresh Title"}, second.version)
        assert retitled.slug == second.slug  # only what is given is written
        renamed = await r.update(second.id, {"slug": ""}, retitled.version)
        assert renamed.slug == "fresh-title"  # a blank slug is derived from the title
        kept = await r.update(renamed.id, {"content": "more"}, renamed.version)
        assert kept.slug == "fresh-title"
        by_hand = await r.update(kept.id, {"title": "Again", "slug": "my-slug"}, kept.version)
        assert (by_hand.title, by_hand.slug) == ("Again", "my-slug")
        same_title = await r.update(
            first.id, {"title": "Crème Brûlée: 10 Tips", "slug": ""}, first.version
        )
        assert same_title.slug == "creme-brulee-10-tips"
        with pytest.raises(FieldErrors):
            await r.update(third.id, {"slug": "my-slug"}, third.version)


async def test_titles_in_any_script_get_real_slugs(manager: SessionManager) -> None:
    author = await make_author(manager)
    titles = {
        "Ærøskøbing straße": "aeroskobing-strasse",
        "Привет, мир": "privet-mir",
        "你好世界": "ni-hao-shi-jie",
    }
    async with manager.session() as session:
        r = PostRepository(session)
        for title in titles:
            await r.create({"title": title, "author_id": author})
    async with manager.session() as session:
        stored = dict((await session.execute(select(posts.c.title, posts.c.slug))).all())
    assert stored == titles


async def test_tags_are_set_by_name(manager: SessionManager) -> None:
    author = await make_author(manager)
    async with manager.session() as session:
        r = PostRepository(session)
        one = await r.create(
            {"title": "One", "author_id": author, "tags": ["python", " sql ", "python"]}
        )
        assert one.tags == ("python", "sql")
        two = await r.create({"title": "Two", "author_id": author, "tags": ["sql", "new"]})
        assert two.tags == ("new", "sql")
        names = [t.name for t in (await TagRepository(session).page(Query(sort="name"))).rows]
        assert names == ["new", "python", "sql"]
        one = await r.update(one.id, {"tags": ["new"]}, one.version)
        assert one.tags == ("new",)
        one = await r.update(one.id, {"title": "One!"}, one.version)
        assert one.tags == ("new",)  # tags left out stay
        counts = {t.name: t.post_count for t in (await TagRepository(session).page(Query())).rows}
        assert counts == {"python": 0, "sql": 1, "new": 2}
        with pytest.raises(FieldErrors) as caught:
            await r.create({"title": "Bad", "author_id": author, "tags": ["a,b"]})
        assert list(caught.value.errors) == ["tags"]


async def test_stale_update_and_deleted_post(manager: SessionManager) -> None:
    author = await make_author(manager)
    async with manager.session() as session:
        opened = await PostRepository(session).create({"title": "Draft", "author_id": author})
    async with manager.session() as session:
        await PostRepository(session).update(opened.id, {"tags": ["x"]}, opened.version)
    async with manager.session() as session:
        with pytest.raises(StaleRecordError) as caught:
            await PostRepository(session).update(opened.id, {"title": "Mine"}, opened.version)
    assert caught.value.current.tags == ("x",)
    async with manager.session() as session:
        current = await PostRepository(session).get(opened.id)
        assert current.title == "Draft" and current.version == opened.version + 1
        with pytest.raises(StaleRecordError):
            await PostRepository(session).delete(opened.id, expected_version=opened.version)
        await PostRepository(session).delete(opened.id, expected_version=current.version)
        with pytest.raises(StaleRecordError) as caught:
            await PostRepository(session).update(opened.id, {"title": "x"}, current.version)
        assert caught.value.current is None
        with pytest.raises(NotFoundError):
            await PostRepository(session).get(opened.id)


async def test_missing_author_is_a_field_error(
    manager: SessionManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = await make_author(manager)
    async with manager.session() as session:
        r = PostRepository(session)
        with pytest.raises(FieldErrors) as caught:
            await r.create({"title": "Orphan", "author_id": author + 100})
        assert caught.value.errors == {"author_id": "no such user"}

        async def no_check(self, author_id: int) -> None:
            return None

        monkeypatch.setattr(PostRepository, "_check_author", no_check)
        with pytest.raises(FieldErrors) as caught:
            await r.create({"title": "Orphan", "author_id": author + 100})
        assert list(caught.value.errors) == ["author_id"]
        assert (await r.create({"title": "Fine", "author_id": author})).slug == "fine"
    async with manager.session() as session:
        assert [p.title for p in (await PostRepository(session).page(Query())).rows] == ["Fine"]


async def test_delete_impact_and_delete(manager: SessionManager) -> None:
    author = await make_author(manager)
    async with manager.session() as session:
        r = PostRepository(session)
        post = await r.create({"title": "T", "author_id": author, "tags": ["a", "b"]})
        bare = await r.create({"title": "U", "author_id": author})
        assert str(await r.delete_impact(post.id)) == "detaches 2 tags"
        assert str(await r.delete_impact(bare.id)) == "deletes only the post"
        await r.delete(post.id)
        with pytest.raises(NotFoundError):
            await r.delete(post.id)
        tag_rows = (await TagRepository(session).page(Query(sort="name"))).rows
        assert [(t.name, t.post_count) for t in tag_rows] == [("a", 0), ("b", 0)]


async def test_content_limits_and_nul_bytes(manager: SessionManager) -> None:
    author = await make_author(manager)
    async with manager.session() as session:
        r = PostRepository(session)
        big = "word " * 13_000 + "end"  # 65 KB, just under the limit
        post = await r.create({"title": "Big", "author_id": author, "content": big})
        assert (await r.get(post.id)).content == big  # kept as given, trailing space too
        with pytest.raises(FieldErrors) as caught:
            await r.create(
                {"title": "Huge", "author_id": author, "content": "x" * (MAX_CONTENT + 1)}
            )
        assert caught.value.errors == {"content": f"at most {MAX_CONTENT} characters"}
        with pytest.raises(FieldErrors) as caught:
            await r.create({"title": "N\x00L", "author_id": author, "content": "a\x00b"})
        assert set(caught.value.errors) == {"title", "content"}
        with pytest.raises(FieldErrors):
            await r.update(post.id, {"content": "\x00"}, post.version)
        assert (await r.count(Query())).value == 1


async def test_full_text_search(manager: SessionManager) -> None:
    author = await make_author(manager)
    async with manager.session() as session:
        r = PostRepository(session)
        kept = await r.create(
            {"title": "Indexes explained", "author_id": author, "content": "btree and gin"}
        )
        await r.create({"title": "Cooking", "author_id": author, "content": "pasta with sauce"})
        gone = await r.create({"title": "Gone", "author_id": author, "content": "btree notes"})

        async def found(text: str) -> list[str]:
            return [p.title for p in (await r.page(Query(sort="title", search=text))).rows]

        assert await found("btree") == ["Gone", "Indexes explained"]
        assert await found("BTREE gin") == ["Indexes explained"]
        assert await found("pasta") == ["Cooking"]
        await r.delete(gone.id)
        assert await found("btree") == ["Indexes explained"]
        await r.update(kept.id, {"title": "Renamed", "content": "nothing"}, kept.version)
        assert await found("btree") == []
        assert await found("renamed") == ["Renamed"]
        assert (await r.count(Query(search="renamed"))).value == 1
        # Operators and punctuation are plain text: never a syntax error, and each finds what
        # its words find (no post holds "and", "near", "title", "open" or "x").
        sqlite = manager.settings.is_sqlite
        hostile = {
            '"': [],
            "*": [],
            "-": [],
            "AND": [],
            "OR": [],
            "NOT": ["Renamed"] if sqlite else [],  # SQLite: words are prefixes ("nothing")
            "NEAR(": [],
            "title:x": [],
            '"open': [],
            "a OR": [],
            "(": [],
            ")": [],
            "'": [],
            "^": [],
            "+": [],
            ":": [],
            "\x00": ["Cooking", "Renamed"],  # nothing left to search for: no filter
            "-pasta": ["Cooking"] if sqlite else ["Renamed"],  # websearch: `-word` excludes
            "pasta*": ["Cooking"],
            "NEAR(a b)": [],
            "{x}": [],
        }
        for text, expected in hostile.items():
            assert await found(text) == expected, repr(text)
        assert await found('"pasta"') == ["Cooking"]
        assert await found("sauce pasta") == ["Cooking"]
