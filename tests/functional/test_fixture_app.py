"""The fixture application (tests/fixture_app): its migrations, sample rows and test databases."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection

from tests.conftest import create_pg_database, drop_pg_database, require_postgres
from tests.fixture_app import sample_rows
from tests.fixture_app.databases import (
    ALEMBIC_INI,
    BACKENDS,
    FixtureDatabases,
    postgres_url,
    run_alembic,
    sqlite_url,
)
from tests.fixture_app.db import DATABASE_URL_VARIABLE, run_in_transaction
from tests.fixture_app.models import Base
from tests.migration_fixtures import alembic_command_line

HEAD = "23fa81a6ea2d"
TABLES = set(Base.metadata.tables)
EMPTY = {"tables": {"alembic_version"}, "views": set(), "enums": set()}
AT_HEAD = {"tables": TABLES | {"alembic_version"}, "views": {"order_totals"}}


def schema(url: str) -> dict[str, set[str]]:
    """Tables, views and (PostgreSQL) enum types of the database at `url`."""

    def read(connection: Connection) -> dict[str, set[str]]:
        inspector: Any = inspect(connection)
        enums = inspector.get_enums() if connection.dialect.name == "postgresql" else []
        return {
            "tables": set(inspector.get_table_names()),
            "views": set(inspector.get_view_names()),
            "enums": {enum["name"] for enum in enums},
        }

    return run_in_transaction(url, read)


def alembic_cli(url: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `alembic` command in another process, from the current (temporary) folder."""
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_VARIABLE}
    if url is not None:
        env[DATABASE_URL_VARIABLE] = url
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ALEMBIC_INI), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"alembic {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def alembic_here(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The same command line in this process (`alembic_command_line`), from the current
    folder, with the database in the environment as `alembic_cli` gives it."""
    return alembic_command_line(ALEMBIC_INI, *args, environ={DATABASE_URL_VARIABLE: url})


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (a SQLite file, or a PostgreSQL database dropped after)."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "shop.db")
        return
    name = create_pg_database()
    try:
        yield postgres_url(name)
    finally:
        drop_pg_database(name)


def test_command_line_upgrades_checks_and_downgrades(empty_database: str, backend: str) -> None:
    upgraded = alembic_here(empty_database, "upgrade", "head")
    assert f"-> {HEAD}, soft delete users" in upgraded.stderr
    expected_enums = {"order_status"} if backend == "postgres" else set()
    assert schema(empty_database) == {**AT_HEAD, "enums": expected_enums}

    check = alembic_here(empty_database, "check")
    assert "No new upgrade operations detected" in check.stdout

    alembic_here(empty_database, "downgrade", "base")
    assert schema(empty_database) == EMPTY


def test_command_line_uses_the_ini_url_without_the_variable(isolated_environment: Path) -> None:
    """`python -m alembic` in a process of its own, from a folder outside the repository:
    the ini's relative URL names a file in that folder."""
    alembic_cli(None, "upgrade", "head")
    database = isolated_environment / "fixture_app.db"  # sqlalchemy.url in alembic.ini
    assert schema(sqlite_url(database))["tables"] == AT_HEAD["tables"]


def test_sample_rows_are_in_every_table(
    fixture_database: Callable[[str], str], backend: str
) -> None:
    url = fixture_database(backend)

    def read(connection: Connection) -> dict[str, Any]:
        tables = Base.metadata.tables
        user, products = tables["user"], tables["products"]
        return {
            "counts": {
                name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in tables.items()
            },
            "names": connection.execute(
                select(user.c.display_name).where(user.c.id == sample_rows.BOB)
            ).scalar_one(),
            "products": connection.execute(
                select(products.c.id, products.c.name, products.c.keywords).order_by("id")
            ).all(),
            "totals": connection.execute(
                text("select order_id, line_count, total from order_totals order by order_id")
            ).all(),
        }

    found = run_in_transaction(url, read)
    assert set(sample_rows.row_counts()) == TABLES
    assert found["counts"] == sample_rows.row_counts()
    assert found["names"] == "[bold]not bold[/bold] [/]"
    assert found["products"] == [
        (1, "Rubber duck 🦆", ["bath", "toy"]),
        (2, "\x1b[31mred\x1b[0m", None),
        (3, "[link=https://example.com]A book[/link]", []),
    ]
    totals = [(order, lines, Decimal(str(total))) for order, lines, total in found["totals"]]
    assert totals == [(1, 2, Decimal("12345685.99")), (2, 1, Decimal(0)), (3, 0, Decimal(0))]


def test_the_schema_has_the_shapes_it_promises(
    fixture_database: Callable[[str], str], backend: str
) -> None:
    def read(connection: Connection) -> dict[str, Any]:
        inspector = inspect(connection)
        columns = {
            table: {column["name"]: column for column in inspector.get_columns(table)}
            for table in ("order_lines", "products", "employees", "order", "CamelCase")
        }
        return {
            "keys": {
                table: inspector.get_pk_constraint(table)["constrained_columns"]
                for table in ("countries", "user", "order_lines", "enrollments", "audit_log")
            },
            "on_delete": {
                (table, fk["constrained_columns"][0]): fk["options"].get("ondelete")
                for table in ("employees", "order", "order_lines", "user", "enrollments")
                for fk in inspector.get_foreign_keys(table)
            },
            "computed": columns["order_lines"]["line_total"].get("computed"),
            "mixed": set(columns["CamelCase"]),
            "types": {
                name: type(columns[table][name]["type"]).__name__
                for table, name in (
                    ("products", "attributes"),
                    ("products", "keywords"),
                    ("order", "status"),
                )
            },
            "identity": columns["employees"]["id"].get("identity"),
        }

    found = run_in_transaction(fixture_database(backend), read)
    assert found["keys"] == {
        "countries": ["code"],
        "user": ["id"],
        "order_lines": ["order_id", "line_no"],
        "enrollments": ["student_id", "course_id"],
        "audit_log": [],
    }
    assert found["on_delete"] == {
        ("employees", "manager_id"): "SET NULL",
        ("order", "customer_id"): "RESTRICT",
        ("order", "ship_to"): None,
        ("order_lines", "order_id"): "CASCADE",
        ("order_lines", "product_id"): "RESTRICT",
        ("user", "country_code"): "SET NULL",
        ("enrollments", "student_id"): "CASCADE",
        ("enrollments", "course_id"): "CASCADE",
    }
    # (SQLite's reflected expression is empty: SQLAlchemy's parser stops at NUMERIC(12, 2)'s comma)
    assert found["computed"]["persisted"] is True
    assert found["mixed"] == {"id", "MixedColumn"}
    if backend == "postgres":
        assert found["types"] == {"attributes": "JSONB", "keywords": "ARRAY", "status": "ENUM"}
        assert found["identity"] is not None
        assert found["computed"]["sqltext"] == "((quantity)::numeric * unit_price)"
    else:
        assert found["types"] == {"attributes": "JSON", "keywords": "JSON", "status": "VARCHAR"}


def test_migrations_run_on_a_given_connection_with_rows_in_place(
    fixture_database: Callable[[str], str], backend: str
) -> None:
    url = fixture_database(backend)
    run_alembic(url, command.check)  # raises AutogenerateDiffsDetected on any difference

    # On SQLite this downgrade rebuilds `user` (batch mode): the accounts must survive it.
    run_alembic(url, command.downgrade, "be9dd8af209c")
    users = run_in_transaction(
        url, lambda c: c.execute(text('select email from "user" order by email')).scalars().all()
    )
    assert users == sorted(row["email"] for row in sample_rows.USERS)
    assert "deleted_at" not in run_in_transaction(
        url, lambda c: {column["name"] for column in inspect(c).get_columns("user")}
    )

    run_alembic(url, command.downgrade, "base")
    assert schema(url) == EMPTY
    run_alembic(url, command.upgrade, "head")
    assert schema(url)["tables"] == AT_HEAD["tables"]
    run_alembic(url, command.check)


def test_each_copy_is_a_database_of_its_own(
    fixture_app_databases: FixtureDatabases, backend: str, tmp_path: Path
) -> None:
    first = fixture_app_databases.copy(backend, tmp_path)
    second = fixture_app_databases.copy(backend, tmp_path)
    assert first != second
    try:
        run_in_transaction(first, lambda c: c.execute(text("delete from audit_log")))
        count = "select count(*) from audit_log"
        assert run_in_transaction(first, lambda c: c.execute(text(count)).scalar_one()) == 0
        assert run_in_transaction(second, lambda c: c.execute(text(count)).scalar_one()) == 4
    finally:
        fixture_app_databases.drop(first)
        fixture_app_databases.drop(second)
    if backend == "postgres":  # dropped, or emptied for the next test (tests/conftest.py)
        with pytest.raises(Exception, match="does not exist"):
            run_in_transaction(first, lambda c: c.execute(text("select 1 from audit_log")))


@pytest.fixture
def postgres() -> None:
    """Skip (outside CI) without PostgreSQL, asked before any event loop runs."""
    require_postgres()


@pytest.mark.usefixtures("postgres")
async def test_fixture_database_works_inside_an_event_loop(
    fixture_database: Callable[[str], str],
) -> None:
    url = fixture_database("postgres")
    assert url.startswith("postgresql://")
