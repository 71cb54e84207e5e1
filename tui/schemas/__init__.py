"""Validated input for the repositories (pydantic v2): lengths, emails, no NUL bytes."""

from tui.schemas.errors import FieldErrors, field_errors_from, parse
from tui.schemas.posts import PostCreate, PostUpdate
from tui.schemas.tags import TagCreate, TagUpdate
from tui.schemas.text import MAX_BIO, MAX_CONTENT
from tui.schemas.users import ProfileData, UserCreate, UserUpdate

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
