"""Alembic's private API that dbtui uses (tui/migrations/alembic_internals.py) still exists and
still plans the demo's revisions: when an Alembic release removes or changes it, this fails."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from tui.migrations.alembic_internals import PRIVATE_NAMES, planned_steps
from tui.migrations.project import AlembicProject, demo_ini

REVISIONS = sorted(
    p.stem for p in (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("0*.py")
)


def test_the_private_names_exist() -> None:
    missing = [name for name in PRIVATE_NAMES if not callable(getattr(ScriptDirectory, name, None))]
    assert not missing, f"Alembic no longer has ScriptDirectory.{missing}: see alembic_internals"


def test_the_plan_of_an_upgrade_and_a_downgrade() -> None:
    script = AlembicProject(demo_ini()).script()
    assert planned_steps(script, "upgrade", "heads", ()) == REVISIONS
    assert planned_steps(script, "upgrade", REVISIONS[1], (REVISIONS[0],)) == [REVISIONS[1]]
    assert planned_steps(script, "downgrade", "base", (REVISIONS[-1],)) == REVISIONS[::-1]
    assert planned_steps(script, "downgrade", "-1", (REVISIONS[-1],)) == [REVISIONS[-1]]
