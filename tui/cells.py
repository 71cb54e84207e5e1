"""Turn arbitrary database values into safe, literal display text.

Every value shown by the widgets goes through here. The result is plain text in a
`rich.segment.Segment` (never a markup string), so `[bold]`, `[/]` or `[link=x]` in data are
shown as typed, and control characters (NUL, ESC sequences, newlines, C1 controls, bidi
overrides) are replaced by visible escapes such as ``\\x1b`` so they can neither style the
terminal nor break the layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Literal

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

Align = Literal["left", "center", "right"]

NULL_SYMBOL = "∅"
TRUE_SYMBOL = "✓"
FALSE_SYMBOL = "✗"
ELLIPSIS = "…"
DIM = Style(dim=True)

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


@dataclass(frozen=True, slots=True)
class Labelled:
    """A stored `value` shown with the `label` that names it (a foreign key and the label of
    the row it references): ``alice (4711)``, or the label alone without `with_value` (a
    unique label of a long key, such as a UUID). `label` ``None``: the value alone;
    `missing`: nothing is known by that value (``4711 (missing)``). Copies and exports take
    the value."""

    value: object
    label: str | None = None
    missing: bool = False
    with_value: bool = True

    @property
    def suffix(self) -> str:
        """What follows the label: the value in brackets (or nothing)."""
        return f" ({display_str(self.value)})" if self.with_value else ""


MISSING_NOTE = " (missing)"


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
    if isinstance(value, Labelled):
        if value.missing:
            return display_str(value.value) + MISSING_NOTE
        if value.label is None or value.label == str(value.value):
            return display_str(value.value)
        return escape_control(value.label) + value.suffix
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


def fit_parts(text: str, width: int, align: Align = "left") -> tuple[int, str, int]:
    """`text` cut to at most `width` terminal cells (with an ellipsis), and the blank cells
    to put before and after it so that the three fill exactly `width`, aligned."""
    length = cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + ELLIPSIS if width > 0 else ""
        length = cell_len(text)
    gap = max(0, width - length)
    if align == "right":
        return gap, text, 0
    if align == "center":
        return gap // 2, text, gap - gap // 2
    return 0, text, gap


def fit(text: str, width: int, align: Align = "left") -> str:
    """`text` in exactly `width` terminal cells: cut with an ellipsis, padded, aligned."""
    before, text, after = fit_parts(text, width, align)
    return " " * before + text + " " * after


def cell_parts(
    value: object,
    width: int,
    align: Align = "left",
    true_style: Style | None = None,
    false_style: Style | None = None,
) -> tuple[int, Segment, int]:
    """`value` shown literally (`display_str`) in `width` cells: the blank cells before it,
    its text as one segment, the blank cells after it. None is a dim ``∅`` (blanks
    included), booleans are ✓ / ✗ in `true_style` / `false_style`; anything else is
    unstyled, so markup in data is never interpreted."""
    if value is None:  # the whole cell is dim
        return 0, Segment(fit(NULL_SYMBOL, width, align), DIM), 0
    if isinstance(value, Labelled):
        return _labelled_parts(value, width, align)
    style = true_style if value is True else false_style if value is False else None
    before, text, after = fit_parts(display_str(value), width, align)
    return before, Segment(text, style), after


def _labelled_parts(value: Labelled, width: int, align: Align) -> tuple[int, Segment, int]:
    """A long label is cut, never the value after it; a missing row's value is dim."""
    text = display_str(value)
    if value.missing or value.label is None or cell_len(text) <= width:
        before, text, after = fit_parts(text, width, align)
        return before, Segment(text, DIM if value.missing else None), after
    suffix = value.suffix
    room = width - cell_len(suffix)
    if room < 2:  # too narrow for both: the label alone, cut
        before, text, after = fit_parts(text, width, align)
        return before, Segment(text), after
    label = fit_parts(escape_control(value.label), room)[1]
    before, text, after = fit_parts(label + suffix, width, align)
    return before, Segment(text), after


def raw_text(value: object) -> str:
    """The unescaped text of a value, for the clipboard and exports (None becomes "")."""
    if value is None:
        return ""
    if isinstance(value, Labelled):
        return raw_text(value.value)
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
