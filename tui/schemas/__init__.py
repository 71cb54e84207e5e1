"""Validated input for the repositories (pydantic v2): lengths, emails, no NUL bytes.

Names load from their submodule on first use (PEP 562), so importing one light submodule such
as `tui.schemas.errors` does not pull in every schema (and email-validator) at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.schemas.errors import FieldErrors, field_errors_from, parse
    from tui.schemas.posts import PostCreate, PostUpdate
    from tui.schemas.tags import TagCreate, TagUpdate
    from tui.schemas.text import MAX_BIO, MAX_CONTENT
    from tui.schemas.users import ProfileData, UserCreate, UserUpdate

_SOURCES = {
    "FieldErrors": "errors",
    "field_errors_from": "errors",
    "parse": "errors",
    "PostCreate": "posts",
    "PostUpdate": "posts",
    "TagCreate": "tags",
    "TagUpdate": "tags",
    "MAX_BIO": "text",
    "MAX_CONTENT": "text",
    "ProfileData": "users",
    "UserCreate": "users",
    "UserUpdate": "users",
}

__all__ = [
    "MAX_BIO",
    "MAX_CONTENT",
    "FieldErrors",
    "PostCreate",
    "PostUpdate",
    "ProfileData",
    "TagCreate",
    "TagUpdate",
    "UserCreate",
    "UserUpdate",
    "field_errors_from",
    "parse",
]


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_SOURCES[name]}"), name)
    globals()[name] = value
    return value
