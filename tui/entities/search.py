"""Search text as the lists use it: cleaned of control characters, matched literally."""

from __future__ import annotations

import unicodedata


def clean_search(search: str | None) -> str | None:
    """Search text without control characters (asyncpg refuses NUL); ``None`` when blank."""
    if search is None:
        return None
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in search)
    cleaned = " ".join(cleaned.split())
    return cleaned or None


def like_pattern(term: str, *, prefix: bool = False) -> str:
    """``%term%`` (`prefix`: ``term%``) with ``\\``, ``%`` and ``_`` escaped (use
    ``escape="\\\\"``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"
