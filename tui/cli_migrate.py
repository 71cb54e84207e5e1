"""`dbtui migrate`: Alembic from the shell, without the source folder or the `alembic` command.

    dbtui migrate                      upgrade to the head (as `dbtui migrate upgrade`)
    dbtui migrate current              the database's revision, and whether it is at the head
    dbtui migrate history              every revision, newest first, with its state
    dbtui migrate upgrade [REV]        upgrade to REV (default: heads)
    dbtui migrate downgrade REV        downgrade to REV (a revision, -1, base)
    dbtui migrate stamp REV [--purge]  record REV as current without running migrations

Everything goes through `tui.migrations.MigrationRunner`, as the Migrations screen does, with
the same project (`--alembic-config`, `./alembic.ini`, else the demo's).

Production, as in the app: reading is free; a write (upgrade, downgrade, stamp) asks for the
environment's name to be typed. Without a terminal to type it on (scripts, CI) it refuses
unless `--confirm production` gives the name on the command line (`--allow-production`, the
older spelling, counts as that). A wrong name changes nothing.

Like the rest of `tui.cli`, this module imports only the standard library at load time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from tui.config import Settings
    from tui.db.session import SessionManager
    from tui.migrations import MigrationEvent, MigrationRunner, MigrationStatus

WRITES = ("upgrade", "downgrade", "stamp")
MAX_LISTED_DROPS = 8

Adder = Callable[..., None]


def add_migrate_parser(commands: Any, add_global_flags: Adder, add_alembic_flag: Adder) -> None:
    """The `migrate` command and its sub-commands, on the `dbtui` sub-parsers `commands`."""
    migrate = commands.add_parser(
        "migrate",
        help="Alembic from the shell: current, history, upgrade, downgrade, stamp",
        description="Alembic from the shell, on the same database and project as the app.\n"
        "Without a sub-command: upgrade to the head. In production every write asks for\n"
        "the environment's name to be typed; without a terminal, pass --confirm production.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  dbtui migrate current\n"
        "  dbtui migrate upgrade            # to the head\n"
        "  dbtui migrate downgrade -1\n"
        "  dbtui --env production migrate upgrade --confirm production",
    )
    migrate.add_argument(
        "--revision", default=None, help="target of the upgrade without a sub-command (heads)"
    )
    _add_confirm_flags(migrate, suppress=False)
    add_global_flags(migrate, suppress=True)
    add_alembic_flag(migrate, suppress=True)

    steps = migrate.add_subparsers(dest="migrate_command", metavar="SUB-COMMAND")
    current = steps.add_parser(
        "current",
        help="the database's revision and whether it is at the head",
        description="Print the revision(s) stamped in the database, the head(s) of the "
        "scripts and what, if anything, needs doing. Reads only; env.py is not run.",
    )
    history = steps.add_parser(
        "history",
        help="every revision, newest first, with its state",
        description="List every revision script, newest first, marking the head(s) and "
        "whether each is applied, current or pending in the database. Reads only.",
    )
    upgrade = steps.add_parser(
        "upgrade",
        help="upgrade to a revision (default: heads)",
        description="Run the upgrades from the database's revision to REV.",
    )
    upgrade.add_argument(
        "revision", nargs="?", default="heads", metavar="REV", help="target (default: heads; +1)"
    )
    downgrade = steps.add_parser(
        "downgrade",
        help="downgrade to a revision",
        description="Run the downgrades from the database's revision to REV: a revision id, "
        "-1 (one step back) or base (everything). Their SQL may drop tables and columns.",
    )
    downgrade.add_argument("revision", metavar="REV", help="target: a revision, -1 or base")
    stamp = steps.add_parser(
        "stamp",
        help="record a revision as current without running migrations",
        description="Write REV into the database's alembic_version table without running any "
        "migration (e.g. for a schema created by other means).",
    )
    stamp.add_argument("revision", metavar="REV", help="the revision to record (or heads, base)")
    stamp.add_argument(
        "--purge", action="store_true", help="empty alembic_version first (unknown revisions)"
    )
    for parser in (current, history, upgrade, downgrade, stamp):
        if parser in (upgrade, downgrade, stamp):
            _add_confirm_flags(parser, suppress=True)
        add_global_flags(parser, suppress=True)
        add_alembic_flag(parser, suppress=True)


def _add_confirm_flags(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--confirm",
        metavar="ENVIRONMENT",
        default=default,
        help="the environment's name, as you would type it when asked (production writes "
        "without a terminal)",
    )
    parser.add_argument(
        "--allow-production",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="older spelling of --confirm production",
    )


# -- the command -----------------------------------------------------------------------------
def run_migrate(args: argparse.Namespace, settings: Settings, env_file: Path) -> int:
    """`dbtui migrate [SUB-COMMAND]`."""
    from tui.cli import alembic_config_from

    step = args.migrate_command or "upgrade"
    if step == "upgrade":
        target = getattr(args, "revision", None) or "heads"
    else:
        target = getattr(args, "revision", None)
    alembic_config = alembic_config_from(args)
    if step in WRITES:
        details = ""
        if step == "downgrade" and is_production(settings) and _will_ask(args):
            details = asyncio.run(_drops_text(settings, alembic_config, target))
        confirm_production(settings, args, step, target, details)
    job = {
        "current": _current,
        "history": _history,
        "upgrade": _upgrade,
        "downgrade": _downgrade,
        "stamp": _stamp,
    }[step]
    return asyncio.run(job(settings, alembic_config, target, args))


def is_production(settings: Settings) -> bool:
    """Whether writes to this database ask for the environment's name."""
    return settings.is_production


def _will_ask(args: argparse.Namespace) -> bool:
    """No name given on the command line: it will be asked for (on a terminal)."""
    given = getattr(args, "confirm", None) or getattr(args, "allow_production", False)
    return not given and sys.stdin.isatty()


def confirm_production(
    settings: Settings, args: argparse.Namespace, step: str, target: str, details: str = ""
) -> None:
    """In production, have the environment's name typed (or given with `--confirm`); `details`
    (what a downgrade drops) is shown before asking."""
    from tui.cli import CommandError

    if not is_production(settings):
        return
    name = settings.ENVIRONMENT
    given = getattr(args, "confirm", None)
    if given is None and getattr(args, "allow_production", False):
        given = name
    if given is not None:
        if given != name:
            raise CommandError(
                f"--confirm {given!r} is not this database's environment ({name}): nothing done"
            )
        return
    if not sys.stdin.isatty():
        raise CommandError(
            f"refusing to {step} a {name} database ({settings.masked_url}) without its name "
            f"typed: no terminal to type it on; pass --confirm {name} if you really mean it"
        )
    print(f"{step} to {target}: this is the {name} database {settings.masked_url}", file=sys.stderr)
    if details:
        print(details, file=sys.stderr)
    print(f"Type the environment's name ({name}) to go on: ", end="", file=sys.stderr, flush=True)
    try:
        typed = input()
    except EOFError:
        typed = ""
    if typed.strip() != name:
        raise CommandError(f"the name typed is not {name!r}: nothing done")


def _runner(settings: Settings, alembic_config: Path | None) -> MigrationRunner:
    from tui.migrations import EventKind, MigrationRunner

    def report(event: MigrationEvent) -> None:
        if event.kind is EventKind.REVISION_STARTED:
            print(f"  {event.text}", flush=True)
        elif event.kind is EventKind.ELSEWHERE:
            print(f"dbtui: {event.level}: {event.text}", file=sys.stderr, flush=True)

    return MigrationRunner(alembic_config, settings=settings, on_event=report)


def _missing_sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file of `settings` when it does not exist yet (reading must not create it)."""
    if not settings.is_sqlite or settings.is_memory:
        return None
    path = Path(settings.url().database or "").expanduser()
    return None if path.exists() else path


async def _with_database(settings: Settings, work: Callable[[SessionManager], Any]) -> Any:
    from tui.cli import _connect

    manager, _info = await _connect(settings)
    try:
        return await work(manager)
    finally:
        await manager.dispose()


def _heads_text(heads: tuple[str, ...] | list[str]) -> str:
    return ", ".join(heads) or "base (no revision)"


async def _drops_text(settings: Settings, ini: Path | None, target: str) -> str:
    """What a downgrade to `target` drops, with row counts, as one line (as the app says it)."""
    from tui.db.errors import short_error
    from tui.migrations import MigrationRunner

    runner = MigrationRunner(ini, settings=settings)  # a dry run: its steps are not reported
    try:
        drops = await _with_database(
            settings, lambda manager: manager.run_sync(runner.downgrade_drops, target)
        )
    except Exception as exc:
        return f"could not list what it drops: {short_error(exc, settings.secrets)}"
    if not drops:
        return "its SQL drops no table or column"
    shown = ", ".join(str(drop) for drop in drops[:MAX_LISTED_DROPS])
    if len(drops) > MAX_LISTED_DROPS:
        shown += f" and {len(drops) - MAX_LISTED_DROPS} more"
    return f"it drops {shown}"


# -- reading ---------------------------------------------------------------------------------
async def _current(settings: Settings, ini: Path | None, _target: Any, _args: Any) -> int:
    runner = _runner(settings, ini)
    print(f"database: {settings.masked_url}")
    missing = _missing_sqlite_file(settings)
    if missing is not None:
        heads = runner.history()[1]
        print("current:  none (the database file does not exist yet)")
        print(f"head:     {_heads_text(heads)}")
        print("status:   `dbtui migrate upgrade` creates it and upgrades it to the head")
        return 0
    status: MigrationStatus = await _with_database(
        settings, lambda manager: manager.run_sync(runner.status)
    )
    messages = {r.revision: r.message for r in status.revisions}
    if not status.current:
        print("current:  none (no revision stamped)")
    for revision in status.current:
        mark = " (head)" if revision in status.heads else ""
        message = messages.get(revision, "not in the migration scripts")
        print(f"current:  {revision}{mark}  {message}")
    print(f"head:     {_heads_text(status.heads)}")
    print(f"status:   {status.summary() or 'up to date'}")
    return 0


async def _history(settings: Settings, ini: Path | None, _target: Any, _args: Any) -> int:
    from tui.migrations import MigrationStatus

    runner = _runner(settings, ini)
    if _missing_sqlite_file(settings) is not None:
        revisions, heads = runner.history()
        status = MigrationStatus(revisions=tuple(revisions), heads=tuple(heads), current=())
    else:
        status = await _with_database(settings, lambda manager: manager.run_sync(runner.status))
    print(f"database: {settings.masked_url}")
    print(format_history(status))
    return 0


def format_history(status: MigrationStatus) -> str:
    """One line per revision, newest first: id, marks (head, current/applied/pending), message."""
    rows = []
    for info in status.revisions:
        marks = [str(status.state_of(info.revision))]
        if info.revision in status.heads:
            marks.insert(0, "head")
        if info.is_merge_point:
            marks.append("merge")
        rows.append((info.revision, f"({', '.join(marks)})", info.message))
    if not rows:
        return "no revisions"
    width_id = max(len(r[0]) for r in rows)
    width_marks = max(len(r[1]) for r in rows)
    return "\n".join(
        f"{rid:<{width_id}}  {marks:<{width_marks}}  {message}".rstrip()
        for rid, marks, message in rows
    )


# -- writing ---------------------------------------------------------------------------------
async def _upgrade(settings: Settings, ini: Path | None, target: str, _args: Any) -> int:
    runner = _runner(settings, ini)

    async def work(manager: SessionManager) -> tuple[str, ...]:
        return await manager.run_sync(runner.upgrade, target, allow_writes=True)

    heads = await _with_database(settings, work)
    print(f"upgraded to {_heads_text(heads)} ({settings.masked_url})")
    return 0


async def _downgrade(settings: Settings, ini: Path | None, target: str, _args: Any) -> int:
    runner = _runner(settings, ini)

    async def work(manager: SessionManager) -> tuple[str, ...]:
        return await manager.run_sync(runner.downgrade, target, allow_writes=True)

    heads = await _with_database(settings, work)
    print(f"downgraded to {_heads_text(heads)} ({settings.masked_url})")
    return 0


async def _stamp(settings: Settings, ini: Path | None, target: str, args: Any) -> int:
    runner = _runner(settings, ini)
    purge = bool(getattr(args, "purge", False))

    def stamp(connection: Connection) -> tuple[str, ...]:
        return runner.stamp(connection, target, purge=purge)

    async def work(manager: SessionManager) -> tuple[str, ...]:
        return await manager.run_sync(stamp, allow_writes=True)

    heads = await _with_database(settings, work)
    print(f"stamped {_heads_text(heads)} ({settings.masked_url})")
    return 0
