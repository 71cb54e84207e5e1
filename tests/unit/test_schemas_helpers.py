"""Pure helpers behind the schemas and repositories: slugs, FTS queries, impact and counts."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.demo.posts import fts5_query
from tui.repositories.base import Count, Impact, Query, clean_search, like_pattern
from tui.repositories.slugs import slugify, with_suffix
from tui.schemas.posts import SLUG_PATTERN


def test_slugify() -> None:
    assert slugify("Crème Brûlée: 10 Tips!") == "creme-brulee-10-tips"
    assert slugify("  Hello --- World  ") == "hello-world"
    assert slugify("ﬁne ½") == "fine-1-2"
    assert slugify("🎉🎉") == "post"  # nothing to transliterate
    assert len(slugify("word " * 100)) <= 250
    assert with_suffix("a" * 250, 12) == "a" * 247 + "-12"


def test_slugify_transliterates_every_script() -> None:
    assert slugify("Ærøskøbing straße") == "aeroskobing-strasse"
    assert slugify("Привет, мир") == "privet-mir"
    assert slugify("日本語") == "ri-ben-yu"
    assert slugify("你好世界") == "ni-hao-shi-jie"
    assert slugify("Ελληνικά") == "ellenika"


@given(st.text())
@settings(max_examples=200, deadline=None)
def test_slugify_always_gives_a_valid_slug(title: str) -> None:
    slug = slugify(title)
    assert SLUG_PATTERN.match(slug) and len(slug) <= 250
    assert SLUG_PATTERN.match(with_suffix(slug, 1234)) and len(with_suffix(slug, 1234)) <= 250


def _fts_table() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, content)")
    conn.execute("INSERT INTO t VALUES ('Hello world', 'some AND text - with * quotes\"')")
    return conn


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_fts5_query_never_raises_a_syntax_error(text: str) -> None:
    query = fts5_query(clean_search(text) or "x")
    if query is not None:
        _fts_table().execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()


def test_fts5_query_matches_prefixes_of_every_word() -> None:
    conn = _fts_table()

    def hits(text: str) -> int:
        query = fts5_query(text)
        return len(conn.execute("SELECT 1 FROM t WHERE t MATCH ?", (query,)).fetchall())

    assert fts5_query('say "hi" * -') == '"say"* """hi"""*'
    assert hits("hel wor") == 1 and hits("HELLO") == 1 and hits("hello nope") == 0
    assert hits("AND") == 1 and hits("text -") == 1
    assert fts5_query("- * ()") is None


def test_impact_and_count_text() -> None:
    assert str(Impact("deletes", (("post", 12), ("profile", 1)))) == "deletes 12 posts, 1 profile"
    assert str(Impact("deletes", (("post", 0), ("profile", 1)))) == "deletes 1 profile"
    assert str(Impact("deletes", (("post", 0),), empty="nothing")) == "nothing"
    assert str(Impact("removes the tag from", (("post", 1),))) == "removes the tag from 1 post"
    assert str(Impact("deletes", (("category", 2),))) == "deletes 2 categories"
    assert Impact("deletes", (("post", 3),))["post"] == 3
    assert str(Count(1_000_000, estimated=True)) == "~1,000,000"
    assert str(Count(1204)) == "1,204"


def test_search_text_helpers() -> None:
    assert clean_search("  a\x00b\n c ") == "a b c"
    assert clean_search(" \t ") is None and clean_search(None) is None
    assert like_pattern("50%_a\\") == "%50\\%\\_a\\\\%"


def test_query_is_an_immutable_value() -> None:
    filters = {"status": "active"}
    query = Query(sort="email", filters=filters)
    filters["status"] = "changed"
    assert query.filters == {"status": "active"}
    assert query == Query(sort="email", filters={"status": "active"})
    assert hash(query) == hash(Query(sort="email", filters={"status": "active"}))
    assert query.with_filter("status", None).filters == {}
    assert query.replace(descending=True).descending
