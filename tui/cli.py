"""`dbtui` entry point: run the app (or `serve` it to browsers), or `seed`, `check` and
`migrate` from the shell.

Start-up time matters, so this module imports only the standard library at load time; settings,
SQLAlchemy and Textual are imported when a command needs them, and Alembic and Faker never
before the app's first screen. The app path does not load the settings at all: the app shows
its first frame, then loads them in a worker (`tui.startup`); only cheap checks of the raw
values run here (`tui.settings_sources`). Every expected failure ends as one line on stderr
naming the problem and the masked database URL (never a password), with exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui import __version__
from tui.cli_migrate import add_migrate_parser, run_migrate
from tui.settings_sources import (
    SETTING_FLAGS,
    describe_validation_error,
    layered_values,
    peek_sqlite_path,
    sqlite_file_problem,
    sqlite_url,
)

if TYPE_CHECKING:
    from tui.config import Settings
    from tui.db.session import SessionManager
    from tui.entities.registry import Registry
    from tui.user_config import NamedConnection, UserConfig

PROG = "dbtui"
MODELS_USAGE = "PACKAGE.MODULE:ATTR"

# flag destination -> setting name
FLAG_SETTINGS = {
    "env": "ENVIRONMENT",
    "sqlite": "SQLITE_DATABASE",
    "database_url": "DATABASE_URL",
    "pg_host": "POSTGRES_HOST",
    "pg_port": "POSTGRES_PORT",
    "pg_user": "POSTGRES_USER",
    "pg_db": "POSTGRES_DB",
    "production": "PRODUCTION",
}
__all__ = ["SETTING_FLAGS", "CommandError", "build_parser", "main", "overrides_from"]


class CommandError(Exception):
    """An expected failure of a command; `str()` is the one line shown to the user."""


# -- argument parsing ------------------------------------------------------------------------
def _add_global_flags(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The database flags; on sub-commands they default to "not given" so both places work."""
    default: Any = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("database (flags override .env and the environment)")
    group.add_argument(
        "-c",
        "--connection",
        metavar="NAME",
        default=default,
        help="a named connection of your config.toml ([connections.NAME]); the flags below "
        "still override its values (--list-connections lists them)",
    )
    group.add_argument(
        "--env",
        metavar="NAME",
        default=default,
        help="environment to use (ENVIRONMENT): development, testing, production; any other "
        "name is shown as given and treated as development (`prod` as production)",
    )
    group.add_argument(
        "--production",
        action="store_const",
        const="true",
        default=default,
        help="mark the connection production whatever its name (DBTUI_PRODUCTION): "
        "read-only until unlocked",
    )
    group.add_argument(
        "--env-file",
        metavar="PATH",
        default=default,
        help="settings file to read and save (default: .env in the current folder)",
    )
    group.add_argument("--sqlite", metavar="PATH", default=default, help="SQLITE_DATABASE")
    group.add_argument(
        "--database-url", metavar="URL", default=default, help="full DATABASE_URL override"
    )
    group.add_argument("--pg-host", metavar="HOST", default=default, help="POSTGRES_HOST")
    group.add_argument("--pg-port", metavar="PORT", default=default, help="POSTGRES_PORT")
    group.add_argument("--pg-user", metavar="USER", default=default, help="POSTGRES_USER")
    group.add_argument("--pg-db", metavar="NAME", default=default, help="POSTGRES_DB")


def _add_alembic_flag(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    parser.add_argument(
        "--alembic-config",
        metavar="PATH",
        type=Path,
        default=argparse.SUPPRESS if suppress else None,
        help="the application's alembic.ini, whose scripts and env.py the migrations use "
        "(default: ./alembic.ini when there is one, else the demo's)",
    )


def _add_theme_flag(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    parser.add_argument(
        "--theme",
        metavar="NAME",
        default=argparse.SUPPRESS if suppress else None,
        help="colour theme for this run, e.g. textual-light or nord (default: the one last "
        "chosen in the app, remembered in the user's config.toml)",
    )


def _count(value: str) -> int:
    try:
        number = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The `dbtui` argument parser."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Browse and edit your application's database in the terminal. "
        "Without a command, opens the app. The PostgreSQL password is never a flag: it "
        "comes from POSTGRES_PASSWORD (environment or .env), PGPASSWORD, ~/.pgpass, or the "
        "variable a named connection's password_env names.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--list-connections",
        action="store_true",
        help="list the named connections of your config.toml (no passwords) and exit",
    )
    _add_global_flags(parser, suppress=False)
    _add_alembic_flag(parser, suppress=False)
    tables = parser.add_argument_group("whose tables (default: the built-in demo)")
    tables.add_argument(
        "--models",
        metavar=MODELS_USAGE,
        help="your application's SQLAlchemy models: a DeclarativeBase subclass, a MetaData or "
        "anything with .metadata, imported from the current folder (DBTUI_MODELS)",
    )
    tables.add_argument(
        "--reflect",
        action="store_true",
        help="no models: browse whatever tables the database has",
    )
    tables.add_argument(
        "--schema", metavar="NAME", help="with --reflect: a PostgreSQL schema other than public"
    )
    _add_theme_flag(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    seed = commands.add_parser(
        "seed",
        help="fill the database with realistic fake data",
        description="Fill the "
        "current database with fake users, profiles, posts and tags in one transaction.",
    )
    seed.add_argument("--users", type=_count, default=100, help="users to add (default 100)")
    seed.add_argument("--posts", type=_count, default=1000, help="posts to add (default 1000)")
    seed.add_argument("--tags", type=_count, default=30, help="tags to add (default 30)")
    seed.add_argument("--seed", type=int, default=None, help="random seed (same seed, same data)")
    seed.add_argument(
        "--allow-production", action="store_true", help="allow seeding a production database"
    )
    _add_global_flags(seed, suppress=True)

    check = commands.add_parser(
        "check",
        help="test the connection and the migration state",
        description="Print the environment, masked URL, connectivity and the current revision "
        "against the head; exit 1 on any problem.",
    )
    _add_global_flags(check, suppress=True)
    _add_alembic_flag(check, suppress=True)

    add_migrate_parser(commands, _add_global_flags, _add_alembic_flag)
    _add_serve_command(commands)
    return parser


def _add_serve_command(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the app in a web browser (textual-serve)",
        description="Serve the app to web browsers: every tab that opens the page runs its "
        "own dbtui, with the same settings and flags. There is no authentication, so it "
        "listens on 127.0.0.1 only, unless --host names another address and "
        "--allow-remote says you mean it.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--public-url",
        metavar="URL",
        default=None,
        help="the address browsers use to reach this server (default: http://HOST:PORT)",
    )
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow an address other machines can reach (anyone there gets the database)",
    )
    _add_global_flags(serve, suppress=True)
    _add_alembic_flag(serve, suppress=True)
    _add_theme_flag(serve, suppress=True)


def overrides_from(args: argparse.Namespace) -> dict[str, str]:
    """Settings given as flags (these beat `.env` and the environment)."""
    values: dict[str, str] = {}
    for dest, name in FLAG_SETTINGS.items():
        value = getattr(args, dest, None)
        if value is not None:
            values[name] = str(value)
    return values


# -- messages --------------------------------------------------------------------------------
def _say(line: str = "") -> None:
    print(line, flush=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def alembic_config_from(args: argparse.Namespace) -> Path | None:
    """The `--alembic-config` given, else the named connection's (checked to be a file), else
    None (the default one)."""
    path: Path | None = getattr(args, "alembic_config", None)
    connection: NamedConnection | None = getattr(args, "named_connection", None)
    if path is None and connection is not None and connection.alembic_config is not None:
        path = connection.alembic_config
        if not path.is_file():
            raise CommandError(
                f"connection {connection.name!r}: alembic_config: no such file: {path}"
            )
    if path is not None and not path.is_file():
        raise CommandError(f"--alembic-config: no such file: {path}")
    return path


def _check_sqlite_file(settings: Settings) -> None:
    """Cheap checks before the app starts: the folder exists and the file looks like SQLite."""
    if not settings.is_sqlite or settings.is_memory:
        return
    problem = sqlite_file_problem(settings.url().database or "", settings.masked_url)
    if problem:
        raise CommandError(problem)


def preferences_from(args: argparse.Namespace) -> tuple[UserConfig, str | None]:
    """The user's config file (keys, remembered theme) and the `--theme` given (checked)."""
    theme: str | None = getattr(args, "theme", None)
    if theme is not None:
        from textual.theme import BUILTIN_THEMES

        if theme not in BUILTIN_THEMES:
            names = ", ".join(sorted(BUILTIN_THEMES))
            raise CommandError(f"--theme: unknown theme {theme!r}; choose one of: {names}")
    return _user_config(args), theme


def _user_config(args: argparse.Namespace) -> UserConfig:
    """The user's config.toml, read once per run (kept on `args`)."""
    config: UserConfig | None = getattr(args, "user_config", None)
    if config is None:
        from tui.user_config import load_user_config

        config = args.user_config = load_user_config()
    return config


def choose_connection(args: argparse.Namespace) -> dict[str, str]:
    """The settings of the `--connection` named (kept on `args` as `named_connection`), or
    none. An unknown name, a broken entry or a missing password variable is a `CommandError`
    naming the known connections."""
    name: str | None = getattr(args, "connection", None)
    args.named_connection = None
    if name is None:
        return {}
    from tui.user_config import ConnectionConfigError

    try:
        connection = _user_config(args).connection(name)
        values = connection.settings_values()
    except ConnectionConfigError as exc:
        raise CommandError(f"--connection: {exc}") from None
    args.named_connection = connection
    return values


def list_connections(args: argparse.Namespace) -> int:
    """`dbtui --list-connections`: one line per named connection, URLs without passwords."""
    config = _user_config(args)
    for connection in config.connections.values():
        _say(connection.describe())
    for problem in config.broken_connections.values():
        print(f"{PROG}: warning: {problem}", file=sys.stderr)
    if not config.connections and not config.broken_connections:
        print(
            f"{PROG}: no named connections in {config.path} ([connections.NAME])", file=sys.stderr
        )
    return 0


# -- commands --------------------------------------------------------------------------------
def run_app(args: argparse.Namespace, env_file: Path, connection: dict[str, str]) -> int:
    """No command: open the Textual app. Settings load inside the app after its first frame;
    here only the SQLite file named by the raw values is checked (development, no URL)."""
    overrides = overrides_from(args)
    alembic_config = alembic_config_from(args)
    user_config, theme = preferences_from(args)
    _check_raw_sqlite(env_file, overrides, connection)
    registry = registry_from(args, env_file, connection)
    from tui import startup

    startup.pause_gc()  # the app resumes it once its first screen is up
    try:
        from tui.app import make_app

        app = make_app(
            None,
            env_file=env_file,
            overrides=overrides,
            connection=connection,
            alembic_config=alembic_config,
            registry=registry,
            user_config=user_config,
            theme=theme,
        )
        app.run()
    finally:
        startup.resume_gc()
    if app.startup_error:
        raise CommandError(app.startup_error)
    return int(getattr(app, "return_code", 0) or 0)


def registry_from(
    args: argparse.Namespace, env_file: Path, connection: dict[str, str] | None = None
) -> Registry | None:
    """The tables to show: `--models` (or DBTUI_MODELS from the environment, `.env` or the
    named connection), `--reflect`, or None (the demo)."""
    target = args.models or layered_values(env_file, connection=connection).get("MODELS") or None
    if args.schema and not args.reflect:
        raise CommandError("--schema needs --reflect (models name their own schemas)")
    if target and args.reflect:
        raise CommandError("choose one: --models (your models) or --reflect (the database)")
    if args.reflect:
        from tui.entities.registry import Registry

        return Registry.reflecting(args.schema)
    if not target:
        return None
    from tui.entities.models_source import ModelsSourceError, load_models
    from tui.entities.registry import Registry

    try:
        return Registry.from_models(load_models(target), target)
    except ModelsSourceError as error:
        raise CommandError(f"cannot load the models {target}: {error}") from None


def _check_raw_sqlite(
    env_file: Path, overrides: dict[str, str], connection: dict[str, str]
) -> None:
    """The SQLite file the raw values name (development, no URL) looks usable."""
    path = peek_sqlite_path(layered_values(env_file, overrides, connection=connection))
    if path is not None:
        problem = sqlite_file_problem(path, sqlite_url(path))
        if problem:
            raise CommandError(problem)


def run_serve(args: argparse.Namespace, env_file: Path, connection: dict[str, str]) -> int:
    """`dbtui serve`: the app in web browsers, on 127.0.0.1 unless --allow-remote."""
    from tui.serve import NO_AUTHENTICATION, app_command, is_loopback, public_url_for, serve

    alembic_config_from(args)
    preferences_from(args)
    _check_raw_sqlite(env_file, overrides_from(args), connection)
    if not is_loopback(args.host) and not args.allow_remote:
        raise CommandError(
            f"refusing to listen on {args.host}: dbtui serve has no authentication; "
            "add --allow-remote if everyone who can reach it may use this database"
        )
    url = args.public_url or public_url_for(args.host, args.port)
    if not is_loopback(args.host):
        print(f"{PROG}: warning: {NO_AUTHENTICATION.format(url=url)}", file=sys.stderr)
    serve(app_command(app_flags_from(args)), args.host, args.port, url)
    return 0


def app_flags_from(args: argparse.Namespace) -> list[str]:
    """The app's own flags as given (every option of the top-level parser that differs from
    its default), to start the same app again in another process."""
    flags: list[str] = []
    for action in build_parser()._actions:
        if not action.option_strings or action.dest == "help":
            continue
        value = getattr(args, action.dest, None)
        if value is None or value is False or value == action.default:
            continue
        option = action.option_strings[-1]
        if value is True and action.nargs == 0:
            flags.append(option)
        else:
            flags.extend((option, str(value)))
    return flags


async def _connect(settings: Settings) -> tuple[SessionManager, Any]:
    from tui.db.session import SessionManager

    _check_sqlite_file(settings)
    manager = SessionManager(settings)
    try:
        info = await manager.ping()
    except BaseException:
        await manager.dispose()
        raise
    return manager, info


async def _table_count(manager: SessionManager) -> int:
    from sqlalchemy import inspect

    async with manager.engine.connect() as conn:
        names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    return len([n for n in names if n != "alembic_version"])


async def upgrade_database(
    manager: SessionManager, revision: str = "heads", alembic_config: Path | None = None
) -> tuple[str, ...]:
    """Upgrade `manager`'s database to `revision` with `tui.migrations.MigrationRunner`;
    returns the new current heads. The manager must be writable (unlocked). When env.py
    migrates another database than the manager's, says so on stderr."""
    from tui.migrations import EventKind, MigrationEvent, MigrationRunner

    def warn(event: MigrationEvent) -> None:
        if event.kind is EventKind.ELSEWHERE:
            print(f"{PROG}: {event.level}: {event.text}", file=sys.stderr)

    runner = MigrationRunner(alembic_config, settings=manager.settings, on_event=warn)
    return await manager.run_sync(runner.upgrade, revision)


def _production_guard(settings: Settings, allowed: bool, what: str) -> None:

    if settings.is_production and not allowed:
        raise CommandError(
            f"refusing to {what} a production database ({settings.masked_url}); "
            "add --allow-production if you really mean it"
        )


def run_seed(args: argparse.Namespace, settings: Settings, env_file: Path) -> int:
    """`dbtui seed`: fake data in one transaction, progress on stderr."""
    _production_guard(settings, args.allow_production, "seed")
    return asyncio.run(_seed(args, settings))


async def _seed(args: argparse.Namespace, settings: Settings) -> int:
    from tui.seed import ProgressBar, seed

    manager, _info = await _connect(settings)
    try:
        manager.unlock()  # production was allowed explicitly above
        if not settings.is_production and await _table_count(manager) == 0:
            print(f"new database: migrating to head first ({settings.masked_url})", file=sys.stderr)
            await upgrade_database(manager, "heads", alembic_config_from(args))
        if settings.is_memory:
            print(
                "note: testing uses an in-memory database; it is gone when this ends",
                file=sys.stderr,
            )
        bar = ProgressBar(sys.stderr)
        try:
            result = await seed(manager, args.users, args.posts, args.tags, args.seed, bar)
        finally:
            bar.close()
    finally:
        await manager.dispose()
    _say(
        f"seeded {result.users:,} users, {result.profiles:,} profiles, {result.tags:,} tags, "
        f"{result.posts:,} posts, {result.post_tags:,} post tags in {result.seconds:.1f} s "
        f"({settings.masked_url})"
    )
    return 0


def run_check(args: argparse.Namespace, settings: Settings, env_file: Path) -> int:
    """`dbtui check`: environment, masked URL, connectivity, revision against head."""
    _say(f"environment: {settings.ENVIRONMENT}")
    _say(f"database:    {settings.masked_url}")
    _say(f"settings:    {env_file} ({'found' if env_file.is_file() else 'not found'})")
    connection: NamedConnection | None = getattr(args, "named_connection", None)
    if connection is not None:
        _say(f"named:       {connection.name} ({_user_config(args).path})")
    return asyncio.run(_check(settings, alembic_config_from(args)))


async def _check(settings: Settings, alembic_config: Path | None) -> int:
    if settings.is_sqlite and not settings.is_memory:
        path = Path(settings.url().database or "").expanduser()
        if path.resolve().parent.is_dir() and not path.exists():
            raise CommandError(
                f"SQLite database file does not exist yet: {path} ({settings.masked_url}); "
                "`dbtui` or `dbtui migrate` creates it"
            )
    manager, info = await _connect(settings)
    try:
        _say(f"connection:  ok, {info.version}, round trip {info.round_trip_ms:.1f} ms")
        from tui.migrations import MigrationRunner

        runner = MigrationRunner(alembic_config, settings=settings)
        status = await manager.run_sync(runner.status)
    finally:
        await manager.dispose()
    current = ", ".join(status.current) or "none"
    heads = ", ".join(status.heads) or "none"
    if status.at_head:
        _say(f"revision:    {current} (head {heads}): up to date")
        return 0
    _say(f"revision:    {current} (head {heads}): not at head")
    summary = status.summary() or "the database is not at the head revision"
    advice = "; run `dbtui migrate`" if status.needs_upgrade else ""
    raise CommandError(f"{summary}{advice} ({settings.masked_url})")


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings, Path], int]] = {
    "seed": run_seed,
    "check": run_check,
    "migrate": run_migrate,
}


# -- entry point -----------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Run `dbtui` with `argv` (default: the process arguments); returns the exit code."""
    args = build_parser().parse_args(argv)
    env_file = Path(args.env_file) if args.env_file else Path(".env")
    secrets: list[str] = []
    try:
        if args.list_connections:
            return list_connections(args)
        connection = choose_connection(args)
        if args.command is None:
            return run_app(args, env_file, connection)
        if args.command == "serve":
            return run_serve(args, env_file, connection)
        from pydantic import ValidationError

        from tui.config import load_settings

        try:
            settings = load_settings(env_file, overrides_from(args), connection=connection)
            settings.url()
        except ValidationError as exc:
            raise CommandError(describe_validation_error(exc)) from None
        secrets = settings.secrets
        return COMMANDS[args.command](args, settings, env_file)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("DBTUI_DEBUG"):
            raise
        print(f"{PROG}: error: {_describe(exc, secrets)}", file=sys.stderr)
        return 1


def _describe(exc: BaseException, secrets: list[str]) -> str:
    """One safe line for any failure."""
    from tui.db.errors import DbTuiError, short_error

    if isinstance(exc, CommandError | DbTuiError):
        line = str(exc)
    else:
        from sqlalchemy.exc import ArgumentError

        if isinstance(exc, ArgumentError):
            line = "invalid DATABASE_URL: cannot parse it as a database URL"
        else:
            line = f"{type(exc).__name__}: {short_error(exc)}"
    for secret in secrets:
        line = line.replace(secret, "***")
    return _one_line(line)
