"""Errors the data layer raises on purpose; their `str()` is safe to show to a user.

`FieldErrors` (bad input, integrity failures, by field) lives with the schemas'
`tui.schemas.errors`; a missing row raises `NotFoundError`, a changed one `StaleRecordError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tui.db.errors import DbTuiError


class NotFoundError(DbTuiError):
    """The row does not exist (any more)."""

    def __init__(self, kind: str, id: Any) -> None:
        self.kind = kind
        self.id = id
        super().__init__(f"{kind} {id} does not exist (deleted meanwhile?)")


class StaleRecordError(DbTuiError):
    """The row changed (or was deleted) since it was read: `current` is its state now, or
    ``None`` when it no longer exists. Nothing was written."""

    def __init__(self, current: Any | None, kind: str = "record") -> None:
        self.current = current
        self.kind = kind
        if current is None:
            message = f"this {kind} was deleted meanwhile"
        else:
            version = current.get("version") if isinstance(current, Mapping) else current.version
            now = f" (now version {version})" if version is not None else ""
            message = f"this {kind} was changed meanwhile{now}"
        super().__init__(message)
