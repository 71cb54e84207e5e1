"""A command run inside the test process (dbtui's or Alembic's command line) sees the
environment and working folder a process of its own would; afterwards they are put back."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def environment_kept(environ: Mapping[str, str | None], cwd: Path) -> Iterator[None]:
    """Run with `environ` applied (None removes a variable) in `cwd`; then put back the
    environment, the current folder and `sys.path` (a command may put its folder first)."""
    before_environ = dict(os.environ)
    before_cwd = Path.cwd()
    before_path = list(sys.path)
    try:
        for name, value in environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        os.chdir(cwd)
        yield
    finally:
        sys.path[:] = before_path
        os.chdir(before_cwd)
        os.environ.clear()
        os.environ.update(before_environ)
