"""Literal, safe cell text: markup and control characters never style or break the screen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tui.cells import Align, cell_parts, display_str, escape_control, raw_text


class Status(StrEnum):
    ACTIVE = "active"


def shown(value: object, width: int, align: Align = "left") -> str:
    """The cell as it is drawn: blanks, the value's text, blanks."""
    before, cell, after = cell_parts(value, width, align)
    return " " * before + cell.text + " " * after


def render(segment: Segment) -> str:
    console = Console(width=200, color_system="truecolor", force_terminal=True)
    with console.capture() as capture:
        console.print(Text(segment.text, style=segment.style or ""), end="")
    return capture.get()


def test_markup_is_literal() -> None:
    for value in ("[bold]x[/]", "[/]", "[link=http://x]y[/link]", "[red"):
        _, cell, _ = cell_parts(value, len(value))
        assert cell.text == value
        assert cell.style is None
        assert render(cell) == value  # no escape codes: nothing got styled


def test_control_characters_are_escaped() -> None:
    assert escape_control("\x1b[31mred") == "\\x1b[31mred"
    assert escape_control("a\x00b\x7f") == "a\\x00b\\x7f"
    assert escape_control("one\ntwo\tthree\r") == "one\\ntwo\\tthree\\r"
    assert escape_control("bidi\u202eevil") == "bidi\\u202eevil"
    assert escape_control("plain ünïcode 日本") == "plain ünïcode 日本"


def test_special_values() -> None:
    assert cell_parts(None, 3) == (0, Segment("∅  ", Style(dim=True)), 0)
    green, red = Style(color="green"), Style(color="red")
    assert cell_parts(True, 5, "center", green, red) == (2, Segment("✓", green), 2)
    assert cell_parts(False, 1, "left", green, red) == (0, Segment("✗", red), 0)
    assert cell_parts(1, 1, "left", green, red)[1].style is None  # 1 is not True
    assert display_str(True) == "✓" and display_str(False) == "✗"
    assert display_str(datetime(2024, 5, 6, 7, 8, 9)) == "2024-05-06 07:08:09"
    assert display_str(datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)) == "2024-05-06 07:08:09"
    assert display_str(date(2024, 5, 6)) == "2024-05-06"
    assert display_str(Status.ACTIVE) == "active"
    assert display_str(["a", "[b]"]) == "a, [b]"
    assert display_str(b"\x00\x01") == "<2 bytes>"
    assert display_str(12) == "12"


def test_cell_fits_width_with_ellipsis() -> None:
    assert shown("a long value that does not fit", 10) == "a long va…"
    assert cell_len(shown("日本語の長いテキスト", 7)) == 7
    assert shown("日本語", 4) == "日 …"  # a wide character is never half shown
    assert shown("5", 4, "right") == "   5"
    assert shown("ab", 7, "center") == "  ab   "
    assert shown(None, 3) == "∅  "
    assert shown("x", 0) == ""


def test_raw_text_for_clipboard() -> None:
    assert raw_text(None) == ""
    assert raw_text("[bold]x\x00") == "[bold]x\x00"
    assert raw_text(True) == "true"
    assert raw_text(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05"
    assert raw_text(Status.ACTIVE) == "active"


@given(st.text(max_size=60), st.integers(min_value=1, max_value=30))
def test_any_text_renders_safely(value: str, width: int) -> None:
    before, cell, after = cell_parts(value, width)
    assert before + cell.cell_length + after == width
    output = render(cell)
    assert "\x1b" not in output.replace("\x1b[0m", "") or not value
    assert "\x00" not in cell.text and "\n" not in cell.text
