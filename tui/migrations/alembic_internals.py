"""The one place dbtui uses Alembic's private API (pyproject.toml bounds Alembic to `<2`).

`ScriptDirectory._upgrade_revs` / `_downgrade_revs` tell which revisions an upgrade or a
downgrade will run, before it runs, so that progress can say "step 2 of 3". Alembic has no
public call for that plan. When they fail or are gone, the plan is empty and progress shows
steps without a total; `tests/unit/test_alembic_internals.py` fails loudly first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

PRIVATE_NAMES = ("_upgrade_revs", "_downgrade_revs")


def planned_steps(
    script: ScriptDirectory, direction: str, target: str, heads: tuple[str, ...]
) -> list[str]:
    """Revision ids the move will run, in order (empty when Alembic cannot tell)."""
    try:
        if direction == "upgrade":
            # Alembic annotates current_rev as str, yet passes the tuple of current heads
            # itself (alembic.command.upgrade's `upgrade(rev, context)`); iterate_revisions
            # takes `str | tuple[str, ...]`.
            steps = script._upgrade_revs(target, heads)  # type: ignore[arg-type]
        else:
            steps = script._downgrade_revs(target, heads)  # type: ignore[arg-type]
        return [step.revision.revision for step in steps]
    except Exception:
        return []
