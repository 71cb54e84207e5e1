"""Literal, safe cell text: markup and control characters never style or break the screen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from tui.widgets.cells import cell_text, display_str, escape_control, raw_text, to_text


class Status(StrEnum):
    ACTIVE = "active"


def render(text: Text) -> str:
    console = Console(width=200, color_system="truecolor", force_terminal=True)
    with console.capture() as capture:
        console.print(text, end="")
    return capture.get()


def test_markup_is_literal() -> None:
    for value in ("[bold]x[/]", "[/]", "[link=http://x]y[/link]", "[red"):
        text = to_text(value)
        assert text.plain == value
        assert not text.spans
        assert render(text) == value  # no escape codes: nothing got styled


def test_control_characters_are_escaped() -> None:
    assert escape_control("\x1b[31mred") == "\\x1b[31mred"
    assert escape_control("a\x00b\x7f") == "a\\x00b\\x7f"
    assert escape_control("one\ntwo\tthree\r") == "one\\ntwo\\tthree\\r"
    assert escape_control("bidi\u202eevil") == "bidi\\u202eevil"
    assert escape_control("plain ünïcode 日本") == "plain ünïcode 日本"


def test_special_values() -> None:
    assert to_text(None).plain == "∅"
    assert to_text(None).style == "dim"
    assert display_str(True) == "✓" and display_str(False) == "✗"
    assert display_str(datetime(2024, 5, 6, 7, 8, 9)) == "2024-05-06 07:08:09"
    assert display_str(datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)) == "2024-05-06 07:08:09"
    assert display_str(date(2024, 5, 6)) == "2024-05-06"
    assert display_str(Status.ACTIVE) == "active"
    assert display_str(["a", "[b]"]) == "a, [b]"
    assert display_str(b"\x00\x01") == "<2 bytes>"
    assert display_str(12) == "12"


def test_cell_text_fits_width_with_ellipsis() -> None:
    text = cell_text("a long value that does not fit", 10)
    assert text.plain == "a long va…"
    assert text.cell_len == 10
    assert cell_text("日本語の長いテキスト", 7).cell_len == 7
    assert cell_text("5", 4, "right").plain == "   5"
    assert cell_text(None, 3).plain == "∅  "


def test_raw_text_for_clipboard() -> None:
    assert raw_text(None) == ""
    assert raw_text("[bold]x\x00") == "[bold]x\x00"
    assert raw_text(True) == "true"
    assert raw_text(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05"
    assert raw_text(Status.ACTIVE) == "active"


@given(st.text(max_size=60), st.integers(min_value=1, max_value=30))
def test_any_text_renders_safely(value: str, width: int) -> None:
    text = cell_text(value, width)
    assert text.cell_len == width
    output = render(text)
    assert "\x1b" not in output.replace("\x1b[0m", "") or not value
    assert "\x00" not in text.plain and "\n" not in text.plain
