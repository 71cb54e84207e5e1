"""`dbtui --version` and `--help` of every command and sub-command, as a user reads them."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

import tui
from tests.functional.cli_runner import run_cli
from tui.cli import build_parser

DISTRIBUTION = "textual-dbtui"


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (sub-)command: its words after `dbtui`, and its parser."""
    yield path, parser
    for action in parser._actions:  # argparse has no public walk of sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


ALL = [path for path, _ in commands(build_parser())]
EXPECTED = [
    (),
    ("seed",),
    ("check",),
    ("migrate",),
    ("migrate", "current"),
    ("migrate", "history"),
    ("migrate", "upgrade"),
    ("migrate", "downgrade"),
    ("migrate", "stamp"),
    ("serve",),
]


def test_every_command_is_listed_here() -> None:
    assert sorted(ALL) == sorted(EXPECTED)


def test_version_is_the_installed_distribution_s() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tui", "--version"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"dbtui {tui.__version__}"
    assert version(DISTRIBUTION) == tui.__version__


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: " ".join(p) or "dbtui")
def test_help_describes_the_command_and_every_option(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    parser = dict(commands(build_parser()))[path]
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*path, "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: {' '.join(('dbtui', *path))}")
    assert parser.description and " ".join(parser.description.split()[:4]) in " ".join(
        shown.split()
    )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:  # each sub-command's one-line help
                assert choice.help, f"{path} {choice.dest}: no help"
                assert choice.dest in shown
            continue
        assert action.help and action.help != argparse.SUPPRESS, f"{path} {action.dest}: no help"
        name = action.option_strings[0] if action.option_strings else action.metavar
        assert name and name in shown, f"{path}: {name} not in --help"


def test_subcommand_help_lists_the_sub_commands(tmp_path: Path) -> None:
    done = run_cli("--help", cwd=tmp_path)
    assert done.code == 0, done
    for command in ("seed", "check", "migrate"):
        assert f"    {command} " in done.out
    done = run_cli("migrate", "--help", cwd=tmp_path)
    assert done.code == 0, done
    for step in ("current", "history", "upgrade", "downgrade", "stamp"):
        assert f"    {step} " in done.out
    assert "--confirm production" in done.out
