"""Where a database stands in the revision graph, as plain immutable values."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.script import Script


class RevisionState(StrEnum):
    """Where a revision stands relative to the database."""

    APPLIED = "applied"
    CURRENT = "current"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class RevisionInfo:
    """One revision script."""

    revision: str
    short_id: str
    message: str
    create_date: datetime | None
    down_revisions: tuple[str, ...]
    is_branch_point: bool
    is_merge_point: bool
    is_head: bool
    is_base: bool
    path: Path
    branch_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """The revision graph and where the database stands in it."""

    revisions: tuple[RevisionInfo, ...]  # newest first
    heads: tuple[str, ...]  # heads of the scripts
    current: tuple[str, ...]  # revisions stamped in the database
    states: dict[str, RevisionState] = field(default_factory=dict)
    unknown: tuple[str, ...] = ()  # stamped in the database, absent from the scripts
    unversioned_tables: tuple[str, ...] = ()  # tables present while nothing is stamped
    masked_url: str = ""

    def state_of(self, revision: str) -> RevisionState:
        return self.states.get(revision, RevisionState.PENDING)

    @property
    def pending(self) -> tuple[str, ...]:
        """Pending revisions, oldest first (the order an upgrade applies them)."""
        return tuple(
            r.revision for r in reversed(self.revisions) if self.state_of(r.revision) == "pending"
        )

    @property
    def at_head(self) -> bool:
        return not self.unknown and set(self.current) == set(self.heads)

    @property
    def needs_upgrade(self) -> bool:
        return not self.unknown and not self.unversioned_tables and bool(self.pending)

    @property
    def problem(self) -> str | None:
        """A one-line description of a state that needs attention, with advice; else None."""
        if self.unknown:
            names = ", ".join(self.unknown)
            return (
                f"the database is stamped with revision {names}, which is not in the migration "
                "scripts: check out the code that created it, or stamp the right revision"
            )
        if self.unversioned_tables:
            return (
                f"the database has {len(self.unversioned_tables)} table(s) but no Alembic "
                "revision: stamp the revision that matches them (or upgrade an empty database)"
            )
        return None

    def summary(self) -> str | None:
        """Start-up message: None when the database is at head, else what is wrong."""
        if self.problem:
            return self.problem
        if not self.current and self.pending:
            return "the database has no schema yet: upgrade to head to create it"
        if self.pending:
            count = len(self.pending)
            return f"the database is behind head ({count} pending revision{'s' * (count > 1)})"
        if len(self.heads) > 1 and set(self.current) != set(self.heads):
            return "the migration scripts have several heads"
        return None


def short_revision(revision: str) -> str:
    """`0003_add_bio` → `0003`; a hex id → its first 12 characters."""
    head = revision.split("_", 1)[0]
    if head.isdigit():
        return head
    return revision[:12]


_CREATE_DATE = re.compile(r"^Create Date:\s*(.+?)\s*$", re.MULTILINE)


def _create_date(script: Script) -> datetime | None:
    doc = getattr(script.module, "__doc__", None) or ""
    match = _CREATE_DATE.search(doc)
    if not match:
        return None
    try:
        return datetime.fromisoformat(match.group(1))
    except ValueError:
        return None


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def revision_info(script: Script) -> RevisionInfo:
    """The plain values of one Alembic `Script`."""
    return RevisionInfo(
        revision=script.revision,
        short_id=short_revision(script.revision),
        message=(script.doc or "").strip(),
        create_date=_create_date(script),
        down_revisions=_as_tuple(script.down_revision),
        is_branch_point=script.is_branch_point,
        is_merge_point=script.is_merge_point,
        is_head=script.is_head,
        is_base=script.is_base,
        path=Path(script.path),
        branch_labels=tuple(sorted(script.branch_labels or ())),
    )
