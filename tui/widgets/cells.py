"""Turn arbitrary database values into safe, literal display text.

Every value shown by the widgets goes through here. The result is a `rich.text.Text` (never a
markup string), so `[bold]`, `[/]` or `[link=x]` in data are shown as typed, and control
characters (NUL, ESC sequences, newlines, C1 controls, bidi overrides) are replaced by visible
escapes such as ``\\x1b`` so they can neither style the terminal nor break the layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Literal

from rich.style import StyleType
from rich.text import Text

Align = Literal["left", "center", "right"]

NULL_SYMBOL = "∅"
TRUE_SYMBOL = "✓"
FALSE_SYMBOL = "✗"
ELLIPSIS = "…"

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 controls, DEL, C1 controls, and invisible characters that reorder or hide text.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED_ESCAPES.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_control(value: str) -> str:
    """Replace control and invisible formatting characters by visible escapes (``\\x00``)."""
    return _UNSAFE.sub(_escape_char, value)


def escape_control_multiline(value: str) -> str:
    """`escape_control` for multi-line text: line feeds, CRLF pairs and tabs stay as they
    are (a text area shows them), every other control character becomes a visible escape."""
    return "\r\n".join(
        "\n".join(
            "\t".join(escape_control(part) for part in line.split("\t"))
            for line in chunk.split("\n")
        )
        for chunk in value.split("\r\n")
    )


def format_datetime(value: datetime) -> str:
    """Format a datetime compactly: date, time to the second, and the offset when aware."""
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.tzinfo is not None and value.utcoffset():
        text += value.strftime(" %z")
    return text


def display_str(value: object) -> str:
    """The literal, single-line text for a value (without styling); None becomes ``∅``."""
    if value is None:
        return NULL_SYMBOL
    if isinstance(value, bool):
        return TRUE_SYMBOL if value else FALSE_SYMBOL
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return escape_control(str(value.value))
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value)):,} bytes>"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items: Iterable[object] = (
            sorted(value, key=str) if isinstance(value, set | frozenset) else value
        )
        return ", ".join(display_str(item) for item in items)
    return escape_control(str(value))


def to_text(value: object, true_style: StyleType = "", false_style: StyleType = "") -> Text:
    """A `Text` showing `value` literally; None is a dim ``∅``, booleans are ✓ / ✗ (styled
    `true_style` / `false_style`: the table passes its theme's colours)."""
    if value is None:
        return Text(NULL_SYMBOL, style="dim")
    if isinstance(value, Text):
        # Already a Text: keep its styles unless characters had to be escaped.
        if _UNSAFE.search(value.plain):
            return Text(escape_control(value.plain), style=value.style, no_wrap=True, end="")
        return value.copy()
    text = Text(display_str(value), no_wrap=True, end="")
    if isinstance(value, bool):
        style = true_style if value else false_style
        if style:
            text.stylize(style)
    return text


def cell_text(
    value: object,
    width: int,
    align: Align = "left",
    true_style: StyleType = "",
    false_style: StyleType = "",
) -> Text:
    """`to_text(value)` fitted to exactly `width` cells: cut with an ellipsis, padded, aligned."""
    text = to_text(value, true_style, false_style)
    text.no_wrap = True
    text.end = ""
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    text.align(align, width)
    return text


def raw_text(value: object) -> str:
    """The unescaped text of a value, for the clipboard and exports (None becomes "")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Text):
        return value.plain
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(raw_text(item) for item in value)
    return str(value)
