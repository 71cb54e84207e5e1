"""Helpers for migration tests: a temporary project with extra revisions, the `alembic` CLI."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import traceback
from argparse import Namespace
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

from tests.process_state import environment_kept
from tui.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
REVISIONS = Path(__file__).resolve().parent / "revisions"


def project_with(folder: Path, *extra: str) -> Path:
    """Copy `alembic.ini` and `migrations/` into `folder`, adding the named extra revisions
    (e.g. "0003_notes"); returns the copied `migrations` folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "alembic.ini", folder / "alembic.ini")
    target = folder / "migrations"
    shutil.copytree(REPO_ROOT / "migrations", target, ignore=shutil.ignore_patterns("__pycache__"))
    for name in extra:
        shutil.copy(REVISIONS / f"{name}.py", target / "versions" / f"{name}.py")
    return target


def cli_url(settings: Settings) -> str:
    """A sync-style URL for the `alembic` command line (env.py switches to the async driver)."""
    return settings.SYNC_DATABASE_URL


def run_alembic(
    migrations: Path, settings: Settings, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run the real `alembic` command in a separate process against `settings`' database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENVIRONMENT")}
    env["DATABASE_URL"] = cli_url(settings)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "alembic", "-c", str(migrations.parent / "alembic.ini")]
    result = subprocess.run(
        [*command, *args],
        cwd=migrations.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"alembic {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
            f"{result.stderr}"
        )
    return result


def cli_current(migrations: Path, settings: Settings) -> set[str]:
    """The revisions `alembic current` reports, without "(head)" marks: Alembic's command line
    run in this process (`alembic_in_process`), on a connection of its own."""
    out = alembic_in_process(migrations, settings, "current").stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


# -- Alembic's command line in this process ------------------------------------------------
# A `python -m alembic` process spends about 0.7 s of CPU importing before it does anything.
# Where the process boundary is not what a test is about, `alembic_command_line` runs the same
# entry point (`alembic.config.CommandLine`, which `python -m alembic` runs) here, with the
# environment and folder a process would get, and puts back what it changes in this process:
# environment variables, the current folder, `sys.path` (`prepend_sys_path`) and logging
# (an env.py run from the command line calls `logging.config.fileConfig`).


def _logger_state(logger: logging.Logger) -> tuple[int, list[logging.Handler], bool, bool]:
    return logger.level, list(logger.handlers), logger.propagate, logger.disabled


@contextmanager
def logging_kept() -> Iterator[None]:
    """Keep this process's logging as it is across `logging.config.fileConfig` calls.

    `fileConfig` closes every handler the `logging` module knows of (pytest's own among them),
    replaces the root logger's handlers and levels and, by default, disables every other
    logger. Here it finds no handlers to close (the module's registry is emptied for the
    duration), and afterwards every logger gets back its level, handlers, propagation and
    enabled state; loggers created meanwhile are left as a new logger starts.
    """
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved = {
        name: _logger_state(logger)
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    saved_root = _logger_state(root)
    registry = dict(logging._handlers)  # type: ignore[attr-defined]
    references = list(logging._handlerList)  # type: ignore[attr-defined]
    logging._handlers.clear()  # type: ignore[attr-defined]
    del logging._handlerList[:]  # type: ignore[attr-defined]
    try:
        yield
    finally:
        fresh = (logging.NOTSET, [], True, False)
        loggers = [(name, logger) for name, logger in manager.loggerDict.items()]
        for name, logger in [*loggers, ("", root)]:
            if not isinstance(logger, logging.Logger):
                continue
            level, handlers, propagate, disabled = (
                saved_root if logger is root else saved.get(name, fresh)
            )
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.disabled = disabled
            logger.setLevel(level)  # also empties the loggers' cached levels
        logging._handlers.clear()  # type: ignore[attr-defined]
        logging._handlers.update(registry)  # type: ignore[attr-defined]
        logging._handlerList[:] = references  # type: ignore[attr-defined]


def _command_line(
    ini: Path, args: tuple[str, ...], environ: Mapping[str, str | None], cwd: Path
) -> subprocess.CompletedProcess[str]:
    from alembic.config import CommandLine, Config

    out, err = io.StringIO(), io.StringIO()

    class Captured(CommandLine):
        def run_cmd(self, config: Config, options: Namespace) -> None:
            config.stdout = out  # Config's default is the sys.stdout of Alembic's import time
            super().run_cmd(config, options)

    argv = ["-c", str(ini), *args]
    code = 0
    with environment_kept(environ, cwd), logging_kept(), redirect_stdout(out), redirect_stderr(err):
        try:
            Captured(prog="alembic").main(argv)
        except SystemExit as stop:  # a CommandError ("FAILED: …"), or a usage error
            code = stop.code if isinstance(stop.code, int) else 1
        except Exception:  # what the process would print before exiting with status 1
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(["alembic", *argv], code, out.getvalue(), err.getvalue())


def alembic_command_line(
    ini: Path,
    *args: str,
    environ: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """`alembic -c ini *args` through Alembic's own command line, in this process: its print
    output in `stdout`, its log lines (as env.py's `fileConfig` sets them up) in `stderr`.

    `environ` is applied for the duration (None unsets), in `cwd` (default: the current folder).
    Runs in a thread of its own: callable inside a running event loop, and env.py may call
    `asyncio.run`."""
    folder = cwd if cwd is not None else Path.cwd()
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(_command_line, ini, args, environ or {}, folder).result()
    if check and result.returncode != 0:
        raise AssertionError(
            f"alembic {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
            f"{result.stderr}"
        )
    return result


def alembic_in_process(
    migrations: Path, settings: Settings, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`run_alembic` without the process: the same command line, database and folder."""
    return alembic_command_line(
        migrations.parent / "alembic.ini",
        *args,
        environ={"DATABASE_URL": cli_url(settings), "ENVIRONMENT": None},
        cwd=migrations.parent,
        check=check,
    )


def recorded_revisions(settings: Settings) -> set[str]:
    """The revisions `settings`' database records in `alembic_version` (empty without one),
    read through a connection of its own: what `alembic current` reports, without starting
    a Python process (about a second of CPU each). `cli_current` runs the real command."""
    query = "SELECT version_num FROM alembic_version"
    url = settings.url(sync=True)
    if settings.is_sqlite:
        uri = Path(str(url.database)).resolve().as_uri() + "?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            known = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'")
            return {row[0] for row in conn.execute(query)} if known.fetchone() else set()

    async def read() -> set[str]:
        import asyncpg

        conn = await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, database=url.database, timeout=5
        )
        try:
            if await conn.fetchval("SELECT to_regclass('alembic_version')") is None:
                return set()
            return {row[0] for row in await conn.fetch(query)}
        finally:
            await conn.close()

    with ThreadPoolExecutor(max_workers=1) as pool:  # callable inside a running event loop
        return pool.submit(asyncio.run, read()).result()


# -- another application's Alembic project (for `--alembic-config`) ---------------------------
OTHER_INI = """\
# A project laid out as `alembic init db` lays it out (logging sections included).
[alembic]
script_location = %(here)s/db
prepend_sys_path = .
path_separator = os
sqlalchemy.url = sqlite:///%(here)s/theirs.db

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

_ENV_HEAD = """\
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

config = context.config
assert config.config_file_name is not None  # as FastAPI's full-stack template has it
fileConfig(config.config_file_name)

target_metadata = sa.MetaData()
sa.Table(
    "notes",
    target_metadata,
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("body", sa.Text(), nullable=False),
)
sa.Table("branch_a", target_metadata, sa.Column("id", sa.Integer(), primary_key=True))


def run_migrations_offline():
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def migrate(connection):
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def own_engine():
    section = config.get_section(config.config_ini_section, {})
    return sa.engine_from_config(section, prefix="sqlalchemy.", poolclass=sa.pool.NullPool)
"""

#: The Alembic cookbook's env.py: uses `config.attributes["connection"]` when it is given.
COOKBOOK_ENV = (
    _ENV_HEAD
    + """

def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        migrate(connection)
        return
    with own_engine().connect() as connection:
        migrate(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""
)

#: The env.py `alembic init` writes: always connects to its own `sqlalchemy.url`.
OWN_URL_ENV = (
    _ENV_HEAD
    + """

def run_migrations_online():
    with own_engine().connect() as connection:
        migrate(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""
)


def other_project(folder: Path, env_py: str = COOKBOOK_ENV) -> Path:
    """Another application's Alembic project in `folder`: its alembic.ini (scripts in `db/`,
    its own `sqlalchemy.url` naming `theirs.db` beside it), `env_py`, and two revisions made
    from the fixtures: `0003_notes` (its base) and `0004_branch_a`. Returns its alembic.ini."""
    versions = folder / "db" / "versions"
    versions.mkdir(parents=True)
    (folder / "alembic.ini").write_text(OTHER_INI)
    (folder / "db" / "env.py").write_text(env_py)
    shutil.copy(REPO_ROOT / "migrations" / "script.py.mako", folder / "db" / "script.py.mako")
    base = (REVISIONS / "0003_notes.py").read_text()
    base = base.replace('down_revision = "0003_users_case_insensitive"', "down_revision = None")
    (versions / "0003_notes.py").write_text(
        base.replace("Revises: 0003_users_case_insensitive\n", "Revises:\n")
    )
    shutil.copy(REVISIONS / "0004_branch_a.py", versions / "0004_branch_a.py")
    return folder / "alembic.ini"
