"""Reading what a downgrade drops from its SQL (as Alembic renders or runs it)."""

from __future__ import annotations

from tui.migrations.drops import Dropped, drops_in, statements_of

LIVE = {
    "order": ["id", "total", "note"],
    "users": ["id", "email", "nickname", "legacy"],
    "alembic_version": ["version_num"],
}


def test_offline_script_with_quoted_names_and_if_exists() -> None:
    script = """
-- Running downgrade 0003 -> 0002

ALTER TABLE "order" DROP COLUMN IF EXISTS note;

DROP TABLE IF EXISTS public."order";

ALTER TABLE users DROP COLUMN nickname, DROP COLUMN legacy;

DROP TABLE alembic_version;
"""
    assert drops_in(statements_of(script), LIVE) == [
        ("order", None),
        ("users", "nickname"),
        ("users", "legacy"),
    ]


def test_sqlite_batch_rebuild_drops_the_columns_it_does_not_copy() -> None:
    statements = [
        "CREATE TABLE _alembic_tmp_users (id INTEGER NOT NULL, mail VARCHAR(255))",
        "INSERT INTO _alembic_tmp_users (id, mail) "
        "SELECT users.id, CAST(users.email AS VARCHAR(255)) \nFROM users",
        "\nDROP TABLE users",
        "ALTER TABLE _alembic_tmp_users RENAME TO users",
        "ALTER TABLE users DROP COLUMN mail",  # the renamed column, dropped afterwards
    ]
    assert drops_in(statements, LIVE) == [
        ("users", "nickname"),
        ("users", "legacy"),
        ("users", "mail"),
    ]


def test_only_what_exists_now_is_reported() -> None:
    statements = [
        "CREATE TABLE scratch (id INTEGER)",
        "DROP TABLE scratch",  # created by the downgrade itself: holds no data today
        "ALTER TABLE users DROP COLUMN never_there",
        "DROP INDEX ix_users_email",
        "ALTER TABLE users DROP CONSTRAINT uq_users_email",
    ]
    assert drops_in(statements, LIVE) == []


def test_described_with_row_counts() -> None:
    assert str(Dropped("posts", rows=5012)) == "table posts (5,012 rows)"
    assert str(Dropped("users", "version", 1)) == "column users.version (1 row)"
