"""Alembic from dbtui: the runner (synchronous), its values, progress and errors.

* `runner`: `MigrationRunner`, the operations on one Alembic project;
* `project`: which `alembic.ini` (`--alembic-config`, `./alembic.ini` or the demo's) and its
  `Config`;
* `status`, `progress`, `errors`: what the runner returns, reports and raises;
* `elsewhere`: noticing an env.py that connects to a database on its own;
* `drops`: what a downgrade drops, read from its SQL;
* `threads`: running the runner from a Textual thread worker;
* `alembic_internals`: the one use of Alembic's private API (the plan of a move).

Alembic is imported only inside functions, so importing this package is cheap.
"""

from tui.migrations.drops import Dropped
from tui.migrations.errors import MigrationBusy, MigrationError, MigrationFailed, MigrationRefused
from tui.migrations.progress import EventCallback, EventKind, MigrationEvent
from tui.migrations.project import AlembicProject, find_alembic_ini
from tui.migrations.runner import MigrationRunner, format_diff, read_heads
from tui.migrations.status import MigrationStatus, RevisionInfo, RevisionState, short_revision
from tui.migrations.threads import Ended, run_with_connection

__all__ = [
    "AlembicProject",
    "Dropped",
    "Ended",
    "EventCallback",
    "EventKind",
    "MigrationBusy",
    "MigrationError",
    "MigrationEvent",
    "MigrationFailed",
    "MigrationRefused",
    "MigrationRunner",
    "MigrationStatus",
    "RevisionInfo",
    "RevisionState",
    "find_alembic_ini",
    "format_diff",
    "read_heads",
    "run_with_connection",
    "short_revision",
]
