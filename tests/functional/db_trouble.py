"""Real trouble for a database, for the error tests: a write lock held by another process, a
file or folder nobody can write (root included), a disk that fills up, a port nobody serves.

Tests run as root here, where permission bits do not stop writes: `read_only` uses the
immutable attribute (`chattr +i`, which stops root too) and falls back to `chmod` for other
users; a test skips when neither takes effect (fails under CI=true). `tiny_disk` mounts a small
tmpfs (needs root).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from tests.conftest import skip_outside_ci

_HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
connection.close()
"""


@asynccontextmanager
async def write_lock_held(path: Path | str) -> AsyncIterator[None]:
    """Another process holds SQLite's write lock on `path` (``BEGIN IMMEDIATE``) until the
    block ends."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _HOLD_LOCK,
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=10)
        assert line.strip() == b"locked", f"the lock holder did not lock {path}: {line!r}"
        yield
    finally:
        process.stdin.write(b"release\n")
        await process.stdin.drain()
        await asyncio.wait_for(process.wait(), timeout=10)


def _set_immutable(path: Path, on: bool) -> bool:
    done = subprocess.run(
        ["chattr", "+i" if on else "-i", str(path)], capture_output=True, check=False
    )
    return done.returncode == 0


@contextmanager
def read_only(path: Path) -> Iterator[str]:
    """Make the file or folder `path` unwritable for this process while the block runs;
    yields how ("chattr +i" or "chmod"). Skips the test when this machine allows neither."""
    path = path.resolve()
    how = None
    if os.geteuid() == 0 and shutil.which("chattr") and _set_immutable(path, True):
        how = "chattr +i"
    elif os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(stat.S_IMODE(mode) & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        how = "chmod"
    try:
        if how is None or os.access(path, os.W_OK):
            skip_outside_ci(f"cannot make {path} read-only here (no chattr +i, no chmod effect)")
        yield how
    finally:
        if how == "chattr +i":
            _set_immutable(path, False)
        elif how == "chmod":
            path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IWUSR)


@contextmanager
def tiny_disk(size: str = "512k") -> Iterator[Path]:
    """A folder on a `size` tmpfs of its own (so it really fills up); skips without root."""
    folder = Path(tempfile.mkdtemp(prefix="dbtui-tiny-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        skip_outside_ci(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], capture_output=True, check=False)
        folder.rmdir()


def free_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
