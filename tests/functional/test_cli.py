"""`python -m tui` as a user runs it: commands, bad input, exit codes, secrets never shown.

The commands run in this process (`cli_runner.run_cli`, the same `tui.cli.main` without a new
interpreter's imports); `python -m tui` itself runs as a process once, to show it is the same
command."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functional.cli_runner import Run, run_cli, run_process

PASSWORD = "p%40ss@w:rd/%x"  # a `%` and `@` (and friends) the URL builder must escape


#: `dbtui ARGS` in a folder, with extra environment variables, run in this process (the real
#: entry point `tui.cli.main`; see cli_runner): `dbtui(*args, cwd=..., env=...) -> Run`.
dbtui = run_cli


def assert_one_line_failure(run: Run, *needles: str) -> None:
    assert run.code == 1, run
    assert "Traceback" not in run.text
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    for needle in needles:
        assert needle in lines[0], lines[0]


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            name: conn.execute(f"select count(*) from {name}").fetchone()[0]
            for name in ("users", "user_profiles", "posts", "tags", "post_tags")
        }


def pg_env(database: str, **extra: str) -> dict[str, str]:
    return {
        "ENVIRONMENT": "production",
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": PASSWORD,
        "POSTGRES_DB": database,
        **extra,
    }


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["check"], ["seed"], ["migrate"], []])
def test_sqlite_in_a_missing_folder(tmp_path: Path, command: list[str]) -> None:
    run = dbtui("--sqlite", "nowhere/app.db", *command, cwd=tmp_path)
    assert_one_line_failure(run, "folder does not exist", "sqlite+aiosqlite:///nowhere/app.db")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("command", [["check"], ["seed", "--users", "1"], []])
def test_a_file_that_is_not_sqlite_is_left_untouched(tmp_path: Path, command: list[str]) -> None:
    target = tmp_path / "notes.txt"
    content = b"these are my notes, not a database\n" * 100
    target.write_bytes(content)
    run = dbtui("--sqlite", str(target), *command, cwd=tmp_path)
    assert_one_line_failure(run, "not a SQLite database file", str(target))
    assert target.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_invalid_settings_give_one_line(tmp_path: Path) -> None:
    run = dbtui("--pg-port", "99999", "check", cwd=tmp_path)
    assert_one_line_failure(run, "POSTGRES_PORT (--pg-port)", "65535")
    run = dbtui("--sqlite", " ", "check", cwd=tmp_path)
    assert_one_line_failure(run, "SQLITE_DATABASE (--sqlite)", "must not be empty")
    run = dbtui("check", cwd=tmp_path, env={"DBTUI_PRODUCTION": "maybe"})
    assert_one_line_failure(run, "DBTUI_PRODUCTION (--production)", "maybe")
    run = dbtui("check", cwd=tmp_path, env={"DATABASE_URL": "::not a url::"})
    assert_one_line_failure(run, "DATABASE_URL")


def test_an_environment_name_dbtui_does_not_know_is_development(tmp_path: Path) -> None:
    run = dbtui("--env", "staging", "check", cwd=tmp_path, env={"DBTUI_SQLITE_DATABASE": "x.db"})
    assert "environment: staging\n" in run.out
    assert "database:    sqlite+aiosqlite:///x.db\n" in run.out


def test_unreachable_postgres(tmp_path: Path) -> None:
    run = dbtui("--pg-port", "1", "check", cwd=tmp_path, env=pg_env("app"))
    assert_one_line_failure(run, "unreachable", "postgresql+asyncpg://postgres:***@127.0.0.1:1/app")
    assert PASSWORD not in run.text


@pytest.mark.postgres
def test_unknown_role_and_database_are_named_and_password_masked(
    tmp_path: Path, pg_database: str
) -> None:
    run = dbtui("--pg-user", "nobody_here", "check", cwd=tmp_path, env=pg_env(pg_database))
    assert_one_line_failure(run, "role", "nobody_here:***@127.0.0.1:5432")
    assert PASSWORD not in run.text
    run = dbtui("--pg-db", "no_such_db_xyz", "seed", cwd=tmp_path, env=pg_env(pg_database))
    # production without --allow-production is refused before connecting
    assert_one_line_failure(run, "refusing to seed a production database")
    run = dbtui("--pg-db", "no_such_db_xyz", "check", cwd=tmp_path, env=pg_env(pg_database))
    assert_one_line_failure(run, "database does not exist", "/no_such_db_xyz")
    assert PASSWORD not in run.text


# -- settings precedence ---------------------------------------------------------------------
def test_flags_beat_environment_beat_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SQLITE_DATABASE=from_file.db\n")
    (tmp_path / "other.env").write_text("SQLITE_DATABASE=from_other_file.db\n")

    def shown(*args: str, env: dict[str, str] | None = None) -> str:
        run = dbtui(*args, "check", cwd=tmp_path, env=env)
        return next(line for line in run.out.splitlines() if line.startswith("database:"))

    assert shown().endswith("/from_file.db")
    assert shown("--env-file", "other.env").endswith("/from_other_file.db")
    assert shown(env={"SQLITE_DATABASE": "from_env.db"}).endswith("/from_env.db")
    assert shown("--sqlite", "flag.db", env={"SQLITE_DATABASE": "x.db"}).endswith("/flag.db")
    # `check` does not create a database file that is not there
    assert not list(tmp_path.glob("*.db"))


# -- check, migrate, seed on SQLite ----------------------------------------------------------
def test_check_migrate_and_seed_a_sqlite_file(tmp_path: Path) -> None:
    run = dbtui("check", cwd=tmp_path)
    assert_one_line_failure(run, "does not exist yet", "app.db")

    run = dbtui(
        "seed", "--users", "120", "--posts", "900", "--tags", "15", "--seed", "5", cwd=tmp_path
    )
    assert run.code == 0, run
    assert "migrating to head first" in run.err
    assert "posts" in run.err and "100%" in run.err  # the progress bar
    assert "seeded 120 users" in run.out
    counts = table_counts(tmp_path / "app.db")
    assert counts["users"] == 120 and counts["posts"] == 900 and counts["tags"] == 15
    assert 0 < counts["user_profiles"] < 120 and counts["post_tags"] > 0

    run = dbtui("check", cwd=tmp_path)
    assert run.code == 0, run
    assert "environment: development" in run.out
    assert "connection:  ok, SQLite" in run.out
    assert "up to date" in run.out

    # same seed, same data, in another file
    run = dbtui(
        "--sqlite",
        "copy.db",
        "seed",
        "--users",
        "120",
        "--posts",
        "900",
        "--tags",
        "15",
        "--seed",
        "5",
        cwd=tmp_path,
    )
    assert run.code == 0, run
    query = "select u.username, p.title, p.slug from posts p join users u on u.id = p.author_id"
    with sqlite3.connect(tmp_path / "app.db") as a, sqlite3.connect(tmp_path / "copy.db") as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_check_reports_a_database_behind_head(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "app.db").execute("create table something (id integer)").close()
    run = dbtui("check", cwd=tmp_path)
    assert_one_line_failure(run, "no Alembic revision", "stamp")
    assert "connection:  ok" in run.out
    run = dbtui("migrate", cwd=tmp_path)
    assert run.code == 0, run
    assert dbtui("check", cwd=tmp_path).code == 0


# -- PostgreSQL ------------------------------------------------------------------------------
@pytest.mark.postgres
def test_seed_postgres_with_a_password_full_of_url_characters(
    tmp_path: Path, pg_database: str
) -> None:
    env = pg_env(pg_database)
    run = dbtui("check", cwd=tmp_path, env=env)
    assert_one_line_failure(
        run, "no schema yet", "dbtui migrate", f"***@127.0.0.1:5432/{pg_database}"
    )

    run = dbtui("seed", "--users", "50", cwd=tmp_path, env=env)
    assert_one_line_failure(run, "refusing to seed a production database", "--allow-production")

    run = dbtui("migrate", cwd=tmp_path, env=env)
    assert_one_line_failure(
        run, "refusing to upgrade a production database", "--confirm production"
    )
    assert dbtui("migrate", "--allow-production", cwd=tmp_path, env=env).code == 0

    args = ("seed", "--users", "60", "--posts", "700", "--tags", "12", "--allow-production")
    run = dbtui(*args, cwd=tmp_path, env=env)
    assert run.code == 0, run
    assert "seeded 60 users" in run.out and "700 posts" in run.out

    run = dbtui("check", cwd=tmp_path, env=env)
    assert run.code == 0, run
    assert "PostgreSQL" in run.out and "up to date" in run.out
    assert PASSWORD not in run.text and "p%40ss" not in run.text

    import asyncio

    import asyncpg

    async def counts() -> tuple[int, int, int]:
        conn = await asyncpg.connect(host="127.0.0.1", user="postgres", database=pg_database)
        try:
            return (
                await conn.fetchval("select count(*) from users"),
                await conn.fetchval("select count(*) from posts"),
                await conn.fetchval("select count(*) from tags"),
            )
        finally:
            await conn.close()

    assert asyncio.run(counts()) == (60, 700, 12)


def test_the_cli_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, tui.cli; "
        "heavy = [m for m in ('textual', 'sqlalchemy', 'alembic', 'faker', 'pydantic') "
        "if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done


def test_python_m_tui_is_the_command_the_tests_run(tmp_path: Path) -> None:
    """`python -m tui` as a process, without a terminal on standard input (a production write
    is refused), says exactly what the in-process runs of these tests say."""
    env = {"ENVIRONMENT": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}"}
    process = run_process("migrate", cwd=tmp_path, env=env)
    assert_one_line_failure(
        process, "refusing to upgrade a production database", "--confirm production"
    )
    assert dbtui("migrate", cwd=tmp_path, env=env) == process
    assert not (tmp_path / "prod.db").exists()


class RejectingServer:
    """A minimal PostgreSQL wire-protocol server that refuses every password (SQLSTATE 28P01),
    as a server with password authentication does for a wrong one (the local one trusts all)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import struct

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                length, code = struct.unpack("!ii", conn.recv(8))
                if code == 80877103:  # SSLRequest: no SSL here, then the startup message
                    conn.sendall(b"N")
                    length, code = struct.unpack("!ii", conn.recv(8))
                conn.recv(length - 8)
                fields = (
                    b"SFATAL\x00VFATAL\x00C28P01\x00"
                    b'Mpassword authentication failed for user "postgres"\x00\x00'
                )
                conn.sendall(b"E" + struct.pack("!i", len(fields) + 4) + fields)

    def close(self) -> None:
        self.sock.close()


def test_wrong_password(tmp_path: Path) -> None:
    server = RejectingServer()
    try:
        run = dbtui("--pg-port", str(server.port), "check", cwd=tmp_path, env=pg_env("app"))
    finally:
        server.close()
    assert_one_line_failure(
        run, "authentication failed", f"postgres:***@127.0.0.1:{server.port}/app"
    )
    assert PASSWORD not in run.text and "p%40ss" not in run.text
