"""Helpers for migration tests: a temporary project with extra revisions, the `alembic` CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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
    """The revisions `alembic current` (another process) reports, without "(head)" marks."""
    out = run_alembic(migrations, settings, "current").stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}
