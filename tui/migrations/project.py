"""Which Alembic project the runner drives (an `alembic.ini`), and its `Config`.

`--alembic-config PATH` names the application's `alembic.ini`; without it, `./alembic.ini` when
the current folder has one, else the demo's own (see `demo_ini`).
"""

from __future__ import annotations

import configparser
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.db.errors import short_error
from tui.migrations.errors import MigrationError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

PACKAGE = Path(__file__).resolve().parents[1]  # the `tui` package
# An installed wheel carries the demo's Alembic project inside the package (pyproject.toml:
# `force-include`); a source checkout (or an editable install) has it at the top level.
PACKAGED_INI = PACKAGE / "_demo_alembic" / "alembic.ini"
CHECKOUT_INI = PACKAGE.parent / "alembic.ini"


def demo_ini() -> Path:
    """The demo's `alembic.ini`: the installed package's copy, else the source checkout's."""
    return PACKAGED_INI if PACKAGED_INI.is_file() else CHECKOUT_INI


@contextmanager
def sys_path_entries_once() -> Iterator[None]:
    """Alembic puts the ini's `prepend_sys_path` folders in front of `sys.path` each time it
    reads the scripts, as fits a one-shot command; in the app they would pile up, one more
    `.` per read. Afterwards, keep the first of each entry."""
    try:
        yield
    finally:
        sys.path[:] = list(dict.fromkeys(sys.path))


def find_alembic_ini(given: Path | None = None) -> Path:
    """`given`, else `./alembic.ini` when it exists, else the demo's."""
    if given is not None:
        return Path(given).absolute()
    here = Path("alembic.ini")
    return here.absolute() if here.is_file() else demo_ini()


@dataclass(frozen=True, slots=True)
class AlembicProject:
    """An Alembic project: its `alembic.ini`, the scripts and env.py it names."""

    ini: Path

    @classmethod
    def find(cls, given: Path | None = None) -> AlembicProject:
        return cls(find_alembic_ini(given))

    @property
    def folder(self) -> Path:
        """The folder of `alembic.ini` (file names are shown relative to it)."""
        return self.ini.parent

    def config(
        self,
        *,
        stdout: io.TextIOBase | None = None,
        output: io.StringIO | None = None,
        **attributes: Any,
    ) -> Config:
        """A fresh `Config`: Alembic's output goes to `stdout` (SQL of offline runs to `output`),
        `attributes` reach env.py as `config.attributes` (e.g. `connection`).

        `alembic.ini` is read here, while `%(here)s` is its folder. env.py sees its name as
        `config.config_file_name`; its `fileConfig(...)` call does nothing while an operation
        runs (`progress.alembic_log_to`).
        """
        from alembic.config import Config

        if not self.ini.is_file():
            raise MigrationError(f"no Alembic configuration file at {self.ini}")
        # Alembic annotates stdout as TextIO but only writes to it (write_outstream): a
        # TextIOBase that forwards lines is enough.
        config = Config(
            str(self.ini),
            stdout=stdout or io.StringIO(),  # type: ignore[arg-type]
            output_buffer=output,
        )
        try:
            config.file_config  # noqa: B018  (read now, while `%(here)s` is the ini's folder)
        except configparser.Error as exc:
            raise MigrationError(f"cannot read {self.ini}: {short_error(exc)}") from exc
        config.attributes.update(attributes)
        return config

    def script(self) -> ScriptDirectory:
        """The scripts: history and heads, read without running env.py."""
        from alembic.script import ScriptDirectory

        config = self.config()
        try:
            with sys_path_entries_once():
                script = ScriptDirectory.from_config(config)
            script.get_heads()  # loads every revision file: a broken one fails here
        except Exception as exc:
            raise MigrationError(f"cannot read the migration scripts: {short_error(exc)}") from exc
        return script
