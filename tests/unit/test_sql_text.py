"""The SQL console's text work: statements of a buffer, the one under the cursor, kinds,
locations, and completion of names (no database)."""

from __future__ import annotations

from tui.sql.completion import Names, complete
from tui.sql.statements import (
    changes_rows,
    location_of,
    offset_of,
    runs_outside_transaction,
    split_statements,
    statement_at,
    statement_kind,
)

BUFFER = """-- two statements and tricky text
select 'a;b' as "x;y", $$ ; $$ from t; /* ; */
update t set v = 'it''s; fine'  -- ; here too
;
  select [odd;name] from t"""


def test_split_ignores_semicolons_in_quotes_comments_and_dollar_quotes() -> None:
    statements = split_statements(BUFFER)
    assert [s.text for s in statements] == [
        "select 'a;b' as \"x;y\", $$ ; $$ from t",
        "update t set v = 'it''s; fine'  -- ; here too",
        "select [odd;name] from t",
    ]
    for statement in statements:  # offsets point into the buffer
        assert BUFFER[statement.start : statement.end] == statement.text


def test_statement_under_the_cursor() -> None:
    buffer = "select 1;\nselect 2;\n\nselect 3"
    assert statement_at(buffer, 0).text == "select 1"  # type: ignore[union-attr]
    assert statement_at(buffer, 9).text == "select 1"  # type: ignore[union-attr]  # after ;
    assert statement_at(buffer, 12).text == "select 2"  # type: ignore[union-attr]
    assert statement_at(buffer, len(buffer)).text == "select 3"  # type: ignore[union-attr]
    assert statement_at("  -- nothing\n", 3) is None


def test_kinds() -> None:
    for sql in (
        "select 1",
        "  -- c\nWITH a AS (select 1) select * from a",
        "explain select 1",
        "values (1)",
        "pragma table_info(users)",
        "show search_path",
        "explain (analyze off, format json) select 1",
    ):
        assert statement_kind(sql) == "query", sql
    for sql in (
        "insert into t values (1)",
        "with a as (select 1) delete from t",
        "create table t (x int)",
        "pragma foreign_keys = off",
        "explain analyze delete from t",
        "EXPLAIN (ANALYZE, FORMAT json) update t set x = 1",
        "vacuum",
    ):
        assert statement_kind(sql) == "write", sql


def test_locations_round_trip() -> None:
    buffer = "ab\ncde\n\nf"
    for offset in range(len(buffer) + 1):
        line, column = location_of(buffer, offset)
        assert offset_of(buffer, line, column) == offset


NAMES = Names({"users": ["id", "email", "username"], "user_profiles": ["id", "bio"]})


def test_completion_of_tables_columns_and_qualified_columns() -> None:
    assert complete("select * from user_p", NAMES).insert == "rofiles"  # type: ignore[union-attr]
    several = complete("select us", NAMES)
    assert several is not None and several.insert == "er"
    assert several.candidates == ["user_profiles", "username", "users"]
    for where_a_table_goes in ("select * from us", "SELECT 1 FROM t JOIN\n  us", "update us"):
        tables = complete(where_a_table_goes, NAMES)
        assert tables is not None and tables.candidates == ["user_profiles", "users"]
    assert complete("select users.em", NAMES).insert == "ail"  # type: ignore[union-attr]
    assert complete("select USERS.EM", NAMES).insert == "ail"  # type: ignore[union-attr]
    assert complete("select nothing_like", NAMES) is None
    assert complete("select ", NAMES) is None


def test_completion_of_columns_through_table_aliases() -> None:
    statement = "select u.em from users u join user_profiles as pr on pr.id = u.id"
    assert complete("select u.em", NAMES, statement).insert == "ail"  # type: ignore[union-attr]
    assert complete("select PR.b", NAMES, statement).insert == "io"  # type: ignore[union-attr]
    assert complete("select x.em", NAMES, statement) is None  # not an alias
    where = "select w.em from users where w.id = 1"  # `where` is not an alias
    assert complete("select w.em", NAMES, where) is None


def test_only_statements_that_change_rows_are_dry_run() -> None:
    for sql in (
        "update t set x = 1",
        " -- c\ndelete from t",
        "insert into t values (1)",
        "with a as (select 1) delete from t",
    ):
        assert changes_rows(sql), sql
    for sql in ("create table t (x int)", "vacuum", "drop table t", "select 1"):
        assert not changes_rows(sql), sql


def test_statements_refused_inside_a_transaction() -> None:
    for sql in (
        "VACUUM",
        "  -- tidy up\nvacuum posts",
        "create index concurrently ix on posts (title)",
        "CREATE UNIQUE INDEX CONCURRENTLY ix ON posts (slug)",
        "drop index concurrently ix",
        "reindex table concurrently posts",
        "create database other",
        "alter system set work_mem = '64MB'",
    ):
        assert runs_outside_transaction(sql), sql
    for sql in ("select 'vacuum'", "create index ix on posts (title)", "delete from vacuum_log"):
        assert not runs_outside_transaction(sql), sql
