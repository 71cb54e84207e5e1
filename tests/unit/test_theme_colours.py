"""Every colour comes from the theme: app-wide styles, widgets' and screens' DEFAULT_CSS, and
the Rich styles written in Python, so light themes read as well as dark ones."""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import pkgutil
import re
import tokenize
from pathlib import Path

import pytest
from rich.color import ANSI_COLOR_NAMES

import tui
import tui.screens
import tui.widgets

TUI = Path(tui.__file__).parent
#: Declarations that take a colour (`color`, `background`, `border-top`, `tint`, …).
COLOUR_PROPERTY = re.compile(r"(color|background|tint|border|outline|scrollbar)", re.I)
DECLARATION = re.compile(r"([a-z-]+)\s*:\s*([^;{}]+);")
#: Words a colour declaration may hold besides `$variables` and percentages.
KEYWORDS = {
    "solid", "round", "thick", "tall", "wide", "heavy", "double", "dashed", "ascii", "panel",
    "inner", "outer", "hidden", "hkey", "vkey", "blank", "none", "bold", "italic", "underline",
    "reverse", "dim", "auto",
}  # fmt: skip


def _stylesheets() -> list[tuple[str, str]]:
    sheets = [(path.name, path.read_text()) for path in sorted((TUI / "styles").glob("*.tcss"))]
    for package in (tui.widgets, tui.screens):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, cls in inspect.getmembers(module, inspect.isclass):
                css = cls.__dict__.get("DEFAULT_CSS")
                if cls.__module__ == module.__name__ and css:
                    sheets.append((f"{module.__name__}.{name}", css))
    return sheets


def _hard_colours(css: str) -> list[str]:
    found = []
    for prop, value in DECLARATION.findall(css):
        if not COLOUR_PROPERTY.search(prop):
            continue
        for word in value.split():
            if word.startswith("$") or word.endswith("%") or word.lower() in KEYWORDS:
                continue
            found.append(f"{prop}: {value.strip()}")
    return found


#: Theme colours meant for backgrounds and borders; text takes `$text-success` and the like.
BACKGROUND_COLOURS = re.compile(r"\$(success|warning|error|accent|primary|secondary)\b")


def _unreadable_text(css: str) -> list[str]:
    return [
        f"{prop}: {value.strip()}"
        for prop, value in DECLARATION.findall(css)
        if prop == "color" and BACKGROUND_COLOURS.search(value)
    ]


def test_the_check_finds_hard_coded_colours() -> None:
    css = "A { color: black; background: #ff0000; border: round $primary; tint: $error 20%; }"
    assert _hard_colours(css) == ["color: black", "background: #ff0000"]
    assert _unreadable_text("A { color: $warning; } B { color: $text-warning; }") == [
        "color: $warning"
    ]


@pytest.mark.parametrize(("where", "css"), _stylesheets(), ids=lambda v: v if "{" not in v else "")
def test_stylesheets_use_theme_variables(where: str, css: str) -> None:
    assert _hard_colours(css) == [], where
    assert _unreadable_text(css) == [], f"{where}: text in a background colour"


STYLE_WORDS = {"bold", "italic", "dim", "underline", "reverse", "strike", "not", "on"}


def _fixed_colour_styles(source: str) -> list[str]:
    """String literals that read as a Rich style naming a fixed colour ("bold red")."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING:
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError):
            continue  # f-strings
        words = value.lower().split() if isinstance(value, str) else []
        colours = [w for w in words if w in ANSI_COLOR_NAMES or re.fullmatch(r"#[0-9a-f]{6}", w)]
        if colours and all(w in STYLE_WORDS or w in colours for w in words):
            found.append(value)
    return found


def test_the_check_finds_fixed_colour_styles() -> None:
    source = 'a = Text("x", style="bold red")\nb = ("✓", "green")\nc = "red flag raised"\n'
    assert _fixed_colour_styles(source) == ["bold red", "green"]


def test_rich_styles_in_python_name_no_fixed_colour() -> None:
    offenders = [
        f"{path.relative_to(TUI)}: {value!r}"
        for path in sorted(TUI.rglob("*.py"))
        for value in _fixed_colour_styles(path.read_text())
    ]
    assert offenders == []
