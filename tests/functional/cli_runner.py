"""`dbtui ARGS` run in this process: the real entry point `tui.cli.main(argv)`, as
`python -m tui` runs it, without a new interpreter (whose imports of SQLAlchemy, Alembic and
pydantic cost about 0.8 s of CPU per run).

`run_cli` gives the command the working folder, extra environment variables and standard
input it would have as a process, captures its standard output and error, and turns its end
(a return value, `SystemExit`, an uncaught exception's traceback) into the exit code a process
would have. Warnings show on its standard error under the interpreter's default filters, not
pytest's. It runs in a thread of its own, so `main` may call `asyncio.run` whether or not the
caller's thread runs an event loop, and it can touch no signal handler (only the main thread
may).

Afterwards the process is as it was. Put back as they were: the environment, working folder,
standard streams, warnings filters, `sys.path` (`--models` puts the folder first, as a process
would) and the modules imported from the run's folder. Put back too, but failing the test
(`LeftBehind`), since a command should not change them and a leak would go unnoticed: loggers
(levels, handlers, `fileConfig`, `logging.disable`; what a library does on import, a new
logger's level or a `NullHandler`, stays), signal handlers, the event loop policy, the garbage
collector's state and threads still running.

Kept as real processes elsewhere: the `python -m tui` entry point itself (test_cli), a real
terminal (pseudo-terminal) on standard input, signals, `serve`, and anything that needs another
process (a SQLite file shared with other processes).
"""

from __future__ import annotations

import asyncio
import gc
import io
import logging
import logging.config
import os
import signal
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.process_state import environment_kept

#: How long one run may take (as the subprocess runs had).
TIMEOUT = 60.0
#: Signals whose handlers a run must not change.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


class LeftBehind(AssertionError):
    """A run changed process state that the next test would see."""


class _Stdin(io.StringIO):
    """Standard input: `text`, then end of file; a terminal when `tty` (what `isatty` says is
    all dbtui asks of it)."""

    def __init__(self, text: str, *, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


class _Output(io.StringIO):
    """Captured standard output or error (a pipe: not a terminal, UTF-8)."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


def _logging_state() -> dict[str, tuple[Any, ...]]:
    loggers: dict[str, Any] = {"": logging.getLogger()}
    loggers.update(
        (name, logger)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    )
    return {
        name: (logger.level, list(logger.handlers), logger.disabled, logger.propagate)
        for name, logger in loggers.items()
    }


def _restore_logging(saved: dict[str, tuple[Any, ...]]) -> list[str]:
    """Put every logger back as `saved`; returns the names of those that had changed. What a
    library does to its loggers on import, as in any process, stays: the level it gives a new
    logger (SQLAlchemy's is WARN) and a `NullHandler` (Alembic's)."""
    changed = []
    for name, (level, handlers, disabled, propagate) in _logging_state().items():
        logger = logging.getLogger(name) if name else logging.getLogger()
        before = saved.get(name, (level, [], False, True))
        imported = [h for h in handlers if type(h) is logging.NullHandler and h not in before[1]]
        if (level, handlers, disabled, propagate) == (
            *before[:1],
            before[1] + imported,
            *before[2:],
        ):
            continue
        changed.append(name or "root")
        logger.setLevel(before[0])
        logger.handlers[:] = before[1] + imported
        logger.disabled, logger.propagate = before[2], before[3]
    return changed


def _interpreter_warnings() -> None:
    """The warning filters of a fresh `python -m tui`, shown on (captured) standard error,
    instead of pytest's (which collect warnings rather than print them)."""
    warnings.resetwarnings()
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
        warnings.simplefilter("ignore", category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    for option in sys.warnoptions:  # -W and PYTHONWARNINGS, as the interpreter applies them
        warnings._setoption(option)  # type: ignore[attr-defined]

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    warnings.showwarning = show


def _exit_code(value: object) -> tuple[int, str]:
    """The exit code of `raise SystemExit(value)` (and what the interpreter prints for it)."""
    if value is None:
        return 0, ""
    if isinstance(value, int):
        return value, ""
    return 1, f"{value}\n"


def _main(argv: list[str]) -> int:
    """`tui.cli.main(argv)`, ended as a process ends: its exit code; an uncaught exception's
    traceback goes to standard error."""
    from tui.cli import main

    try:
        return _exit_code(main(argv))[0]
    except SystemExit as stop:
        code, said = _exit_code(stop.code)
        sys.stderr.write(said)
        return code
    except BaseException:  # a process prints the traceback and exits 1
        traceback.print_exc()
        return 1


def _in_thread(argv: list[str]) -> int:
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(_main(argv)), name="dbtui-cli", daemon=True
    )
    thread.start()
    thread.join(TIMEOUT)
    if thread.is_alive():
        raise TimeoutError(f"dbtui {' '.join(argv)} still running after {TIMEOUT:.0f} s")
    return result[0]


def run_cli(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdin: str = "",
    tty: bool = False,
) -> Run:
    """`dbtui ARGS` in `cwd`, with extra environment variables `env` and `stdin` (a terminal
    when `tty`) on standard input, run in this process; leaves the process as it was."""
    argv = [str(arg) for arg in args]
    streams = (sys.stdin, sys.stdout, sys.stderr)
    hooks = (sys.unraisablehook, threading.excepthook)
    handlers = {number: signal.getsignal(number) for number in SIGNALS}
    policy = asyncio.get_event_loop_policy()
    gc_state = (gc.isenabled(), gc.get_freeze_count())
    modules, threads = set(sys.modules), set(threading.enumerate())
    logging_saved = _logging_state()
    file_config, disabled = logging.config.fileConfig, logging.root.manager.disable
    out, err = _Output(), _Output()
    environ = {**(env or {}), "DBTUI_DEBUG": None}  # tracebacks instead of one-line errors
    try:
        with environment_kept(environ, cwd), warnings.catch_warnings():
            _interpreter_warnings()
            sys.stdin, sys.stdout, sys.stderr = _Stdin(stdin, tty=tty), out, err
            sys.unraisablehook = sys.__unraisablehook__  # "Exception ignored in ..." lines
            threading.excepthook = threading.__excepthook__
            code = _in_thread(argv)
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        sys.unraisablehook, threading.excepthook = hooks
        left = _restore(logging_saved, file_config, handlers, policy, gc_state)
        if logging.root.manager.disable != disabled:
            logging.disable(disabled)
            left.append("logging.disable")
        _forget_modules_from(Path(cwd), modules)
        left += _threads_left(threads)
    if left:
        raise LeftBehind(f"dbtui {' '.join(argv)} left behind: {', '.join(left)}")
    return Run(code, out.getvalue(), err.getvalue())


def _restore(
    logging_saved: dict[str, tuple[Any, ...]],
    file_config: Any,
    handlers: dict[signal.Signals, Any],
    policy: asyncio.AbstractEventLoopPolicy,
    gc_state: tuple[bool, int],
) -> list[str]:
    """Put back what a run may have changed; returns what it should not have changed."""
    left = [f"logger {name}" for name in _restore_logging(logging_saved)]
    if logging.config.fileConfig is not file_config:
        logging.config.fileConfig = file_config
        left.append("logging.config.fileConfig")
    for number, handler in handlers.items():
        if signal.getsignal(number) != handler:
            signal.signal(number, handler)
            left.append(f"the {signal.Signals(number).name} handler")
    if asyncio.get_event_loop_policy() is not policy:
        asyncio.set_event_loop_policy(policy)
        left.append("the event loop policy")
    if gc.isenabled() != gc_state[0]:
        (gc.enable if gc_state[0] else gc.disable)()
        left.append("the garbage collector paused" if gc_state[0] else "it resumed")
    if gc.get_freeze_count() > gc_state[1]:  # fewer: frozen objects freed meanwhile
        if not gc_state[1]:
            gc.unfreeze()
        left.append("objects frozen for the garbage collector")
    return left


def _threads_left(before: set[threading.Thread]) -> list[str]:
    """Threads the run started that are still running (a process's would have ended with it)."""
    left = []
    for thread in set(threading.enumerate()) - before:
        thread.join(5)
        if thread.is_alive():
            left.append(f"thread {thread.name}")
    return left


def _forget_modules_from(folder: Path, before: set[str]) -> None:
    """Modules the run imported from its folder (a project's models, say): another test's
    folder may hold a module of the same name."""
    root = str(folder.resolve())
    for name in set(sys.modules) - before:
        file = getattr(sys.modules[name], "__file__", None) or ""
        if file and os.path.realpath(file).startswith(root + os.sep):
            del sys.modules[name]


def run_process(*args: str, cwd: Path, env: Mapping[str, str] | None = None) -> Run:
    """`python -m tui ARGS` as a process of its own, in `cwd` with extra environment variables
    and no standard input (not a terminal): for what only a process shows."""
    environ = {**os.environ, **(env or {})}
    environ.pop("DBTUI_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "tui", *args],
        cwd=cwd,
        env=environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return Run(done.returncode, done.stdout, done.stderr)
