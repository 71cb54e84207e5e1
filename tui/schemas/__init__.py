"""Validated input for the forms and the seed (pydantic v2): lengths, emails, no NUL bytes.

Names load from their submodule on first use (PEP 562), so importing one light submodule such
as `tui.schemas.errors` does not pull in every schema (and email-validator) at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.lazy_exports import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _SOURCES, globals())
