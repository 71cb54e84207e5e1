"""The wheel as a user installs it (`pip install .`, not editable): built from this checkout,
installed into a fresh virtual environment, run from an empty folder far from the sources.

The fresh environment reuses this one's dependencies (a `.pth` line naming their folder) so
the test needs no download; the wheel itself is installed with `--no-deps`. Its `tui` package
comes first on the path, so nothing here can be read from the checkout.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import sysconfig
import textwrap
import venv
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_TABLES = {"users", "user_profiles", "posts", "tags", "post_tags", "alembic_version"}

# Building and installing the wheel (the module's fixture) takes minutes on a loaded machine;
# one xdist group keeps the module's tests on one worker, so the wheel is built once, not once
# per worker (`--dist loadgroup` in pyproject.toml).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600), pytest.mark.xdist_group("wheel")]


def run(
    *command: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def clean_environment(venv_dir: Path) -> dict[str, str]:
    """The process environment without this checkout or its settings in sight."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "VIRTUAL_ENV", "DBTUI_DEBUG", "DATABASE_URL", "ENVIRONMENT"}
        and not k.startswith(("POSTGRES_", "SQLITE_", "DB_"))
    }
    environ["PATH"] = f"{venv_dir / 'bin'}{os.pathsep}{environ.get('PATH', '')}"
    return environ


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment with the wheel built from this checkout; its `bin`."""
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    built = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, REPO_ROOT,
        cwd=root,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("*.whl")

    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(run(env_dir / "bin" / "python", "-c", purelib, cwd=root).stdout.strip())
    # This environment's dependencies, after the new environment's own packages.
    (site / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    done = run(
        sys.executable, "-m", "pip", "--python", env_dir / "bin" / "python", "install",
        "--no-deps", "--quiet", wheel,
        cwd=root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    yield env_dir / "bin"


def test_the_wheel_carries_the_demo_migrations(installed: Path, tmp_path: Path) -> None:
    where = run(
        installed / "python",
        "-c",
        "import tui.migrations.project as p; print(p.__file__); print(p.demo_ini())",
        cwd=tmp_path,
    )
    module, ini = where.stdout.split()
    assert not module.startswith(str(REPO_ROOT)), module  # the installed copy, not the checkout
    assert Path(ini).is_file() and not ini.startswith(str(REPO_ROOT)), ini
    versions = Path(ini).parent / "migrations" / "versions"
    assert sorted(p.name for p in versions.glob("*.py")) == sorted(
        p.name for p in (REPO_ROOT / "migrations" / "versions").glob("*.py")
    )


def test_check_and_migrate_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    env = clean_environment(installed.parent)
    dbtui = installed / "dbtui"

    first = run(dbtui, "check", cwd=tmp_path, env=env)
    assert first.returncode == 1 and "does not exist yet" in first.stderr, first

    migrated = run(dbtui, "migrate", "upgrade", cwd=tmp_path, env=env)
    assert migrated.returncode == 0, migrated
    assert "Path doesn't exist" not in migrated.stdout + migrated.stderr
    with closing(sqlite3.connect(tmp_path / "app.db")) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
    assert DEMO_TABLES <= tables, tables

    checked = run(dbtui, "check", cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked
    assert "up to date" in checked.stdout

    current = run(dbtui, "migrate", "current", cwd=tmp_path, env=env)
    assert current.returncode == 0, current
    assert "(head)" in current.stdout
    assert sorted(os.listdir(tmp_path)) == ["app.db"]  # nothing else written beside it


def test_the_app_creates_and_migrates_a_new_database(installed: Path, tmp_path: Path) -> None:
    """The issue's report: the installed app hung on "creating schema…" with an empty app.db."""
    script = textwrap.dedent(
        """
        import asyncio

        from tui.app import make_app
        from tui.screens.table import TableScreen


        async def main() -> None:
            app = make_app(None, env_file=None, overrides={"SQLITE_DATABASE": "app.db"})
            async with app.run_test(size=(120, 30)) as pilot:
                for _ in range(1500):
                    if app.database_ready.is_set() and isinstance(app.screen, TableScreen):
                        break
                    await pilot.pause(0.02)
                else:
                    raise SystemExit(f"no Users screen; on screen: {app.screen!r}")
            print("users screen ok", app.startup_error)


        asyncio.run(main())
        """
    )
    env = clean_environment(installed.parent)
    done = run(installed / "python", "-c", script, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done
    assert "users screen ok None" in done.stdout
    with closing(sqlite3.connect(tmp_path / "app.db")) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        (version,) = conn.execute("select version_num from alembic_version").fetchone()
    assert DEMO_TABLES <= tables, tables
    newest = max(p.stem for p in (REPO_ROOT / "migrations" / "versions").glob("0*.py"))
    assert version == newest
