"""Reusable text field types: whitespace stripped, lengths bounded, control characters refused.

PostgreSQL (asyncpg) refuses NUL bytes in text and every backend stores lone surrogates badly,
so both are rejected here, before anything reaches the database.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, StringConstraints

#: Longest post content accepted (characters): 64 KiB, a long article. Pasting 100 KB of text
#: into a post is refused at the field (issue 4 lists it as bad input).
MAX_CONTENT = 65_535
#: Longest bio accepted (characters).
MAX_BIO = 10_000

_MULTILINE_ALLOWED = frozenset("\r\n\t")


def _bad_character(value: str, allowed: frozenset[str]) -> str | None:
    for char in value:
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if char == "\x00":
            return "must not contain NUL bytes"
        if category == "Cc":
            name = (
                "a line break" if char in "\r\n\v\f\x85" else f"control character U+{ord(char):04X}"
            )
            return f"must not contain {name}"
        if category == "Cs":
            return "contains an invalid character"
    return None


def check_single_line(value: str) -> str:
    """Refuse NUL bytes, line breaks and other control characters."""
    problem = _bad_character(value, frozenset())
    if problem:
        raise ValueError(problem)
    return value


def check_multiline(value: str) -> str:
    """Refuse NUL and control characters except line endings (LF, CR) and tab. The text is
    kept as it is: line endings are not normalised (a CRLF text stays CRLF)."""
    problem = _bad_character(value, _MULTILINE_ALLOWED)
    if problem:
        raise ValueError(problem)
    return value


def blank_to_none(value: Any) -> Any:
    """An empty or all-whitespace string means 'no value'."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


_Kind = TypeVar("_Kind")

#: `Blankable[X]`: `X` or ``None``; a blank string becomes ``None``.
Blankable = Annotated[_Kind | None, BeforeValidator(blank_to_none)]


def line(max_length: int, min_length: int = 1) -> tuple[Any, ...]:
    """The rules of a required single-line text of at most `max_length` characters, for
    `Annotated[str, *line(50)]` (whitespace stripped, control characters refused)."""
    return (
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(check_single_line),
    )


def text_area(max_length: int | None) -> tuple[Any, ...]:
    """The rules of a multi-line text, for `Annotated[str, *text_area(n)]`: newlines and tabs
    allowed, kept exactly as given (no stripping: the surrounding whitespace and trailing
    newlines of a text are part of it); may be empty. `max_length` None: no limit (an edit of
    a stored text longer than the typing limit; the form bounds what is typed)."""
    return (StringConstraints(max_length=max_length), AfterValidator(check_multiline))
