"""A form's fields as plain values both sides share: the data side describes them (from a
table's columns, an override's extras), the `RecordForm` widget draws them (no Textual here).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

FieldKind = Literal["text", "password", "textarea", "select", "switch", "picker", "tags"]
SearchCallback = Callable[[str], Awaitable[Sequence[tuple[Any, str]]]]
"""`search(text)` returns (id, label) pairs matching `text` (for pickers and tag completion)."""


class Special(enum.Enum):
    """Values a field can hold besides what is typed."""

    DEFAULT = "DEFAULT"

    def __repr__(self) -> str:
        return self.value

    def __str__(self) -> str:
        return self.value


DEFAULT = Special.DEFAULT
"""`values()` of a `generated` field left to the database (write nothing for it)."""


@dataclass(frozen=True)
class FormField:
    """One field of a form; `name` is the key in `values()` and `set_errors()`."""

    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    max_length: int | None = None
    options: Sequence[tuple[str, Any]] = ()
    placeholder: str = ""
    help: str = ""
    search: SearchCallback | None = None
    blank_is_none: bool = False
    nullable: bool = False
    """The field may hold NULL (None), distinct from the empty string."""
    read_only: bool = False
    """Shown, not editable, never in `changed_values()`."""
    generated: bool = False
    """Starts as DEFAULT (left to the database) unless a value is given."""
    default_hint: str = ""
    """What DEFAULT gives, shown while the field holds it (``database default: now()``)."""
