"""`dbtui --models/--reflect/--schema` and DBTUI_MODELS: what is wrong is one line, exit 1,
before any screen opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err.strip()


def test_a_models_target_that_does_not_import_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = tmp_path / ".env"
    env.write_text("")
    code, err = run(capsys, "--env-file", str(env), "--models", "no_such_package.models:Base")
    assert code == 1
    assert err == (
        "dbtui: error: cannot load the models no_such_package.models:Base: "
        "cannot import no_such_package.models: No module named 'no_such_package'"
    )


def test_dbtui_models_is_read_from_the_env_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = tmp_path / ".env"
    env.write_text("DBTUI_MODELS=no_such_package.models:Base\n")
    code, err = run(capsys, "--env-file", str(env))
    assert code == 1
    assert "cannot load the models no_such_package.models:Base" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--schema", "billing"], "--schema needs --reflect"),
        (["--reflect", "--models", "x.y:Base"], "choose one: --models"),
    ],
)
def test_flags_that_do_not_go_together(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    env = tmp_path / ".env"
    env.write_text("")
    code, err = run(capsys, "--env-file", str(env), *argv)
    assert code == 1
    assert message in err
    assert "\n" not in err
