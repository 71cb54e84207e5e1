"""Pure helpers behind the schemas and the data layer: slugs, FTS queries, delete impact text,
counts, search text, list queries."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.demo.posts import fts5_query
from tui.demo.slugs import slugify, with_suffix
from tui.demo.tags import TagAdmin
from tui.demo.users import UserAdmin
from tui.entities.impact import DeleteImpact, ImpactCount, ImpactDetail, plural
from tui.entities.query import Count, Filter, TableQuery
from tui.entities.search import clean_search, like_pattern
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


def _cascades(**counts: int) -> DeleteImpact:
    """A delete impact that cascades to `counts` rows per referencing table."""
    items = tuple(ImpactCount(source, f"fk_{source}", n) for source, n in counts.items())
    details = {f"fk_{s}": ImpactDetail(s, "user_id", "user", "CASCADE") for s in counts}
    return DeleteImpact(cascades=items, details=details)


def test_impact_and_count_text() -> None:
    users, tags = UserAdmin(), TagAdmin()
    said = users.impact_text(_cascades(posts=12, user_profiles=1))
    assert said == "This deletes 12 posts, 1 profile."
    assert users.impact_text(_cascades(posts=0, user_profiles=1)) == "This deletes 1 profile."
    assert users.impact_text(_cascades(posts=1_204, user_profiles=0)) == "This deletes 1,204 posts."
    assert users.impact_text(_cascades(posts=0, user_profiles=0)) == (
        "This deletes nothing else (no posts, no profile)."
    )
    assert tags.impact_text(_cascades(post_tags=1)) == "This removes the tag from 1 post."
    assert tags.impact_text(_cascades(post_tags=0)) == "This is not used by any post."
    assert plural("category", 2) == "categories" and plural("day", 2) == "days"
    assert plural("order lines", 1) == "order line" and plural("post", 3) == "posts"
    assert str(Count(1_000_000, estimated=True)) == "~1,000,000"
    assert str(Count(1204)) == "1,204"


def test_search_text_helpers() -> None:
    assert clean_search("  a\x00b\n c ") == "a b c"
    assert clean_search(" \t ") is None and clean_search(None) is None
    assert like_pattern("50%_a\\") == "%50\\%\\_a\\\\%"
    assert like_pattern("50%_a\\", prefix=True) == "50\\%\\_a\\\\%"


def test_query_is_an_immutable_value() -> None:
    filters = [Filter("status", "eq", "active")]
    query = TableQuery(sort="email", filters=filters)
    filters.append(Filter("status", "eq", "changed"))
    assert query.filters == (Filter("status", "eq", "active"),)
    same = TableQuery(sort="email", filters=[Filter("status", "eq", "active")])
    assert query == same and hash(query) == hash(same)
    assert query.replace(filters=()).filters == ()
    assert query.replace(descending=True).descending
    assert Filter("id", "in", [1, 2]).value == (1, 2)
