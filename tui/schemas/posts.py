"""Input schemas for posts."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tui.schemas.tags import TagName
from tui.schemas.text import MAX_CONTENT, line, optional, text_area

TITLE_MAX = 200
SLUG_MAX = 250
MAX_TAGS = 50

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise ValueError("use lowercase letters, digits and single hyphens only")
    return value


def _unique_tags(values: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = [v for v in values if not (v in seen or seen.add(v))]
    return unique


Title = line(TITLE_MAX)
Slug = Annotated[line(SLUG_MAX), AfterValidator(_check_slug)]
Content = text_area(MAX_CONTENT)
AuthorId = Annotated[int, Field(ge=1)]
TagNames = Annotated[list[TagName], Field(max_length=MAX_TAGS), AfterValidator(_unique_tags)]


class PostCreate(BaseModel):
    """A new post. Without a `slug`, one is derived from the title (made unique)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    slug: optional(Slug) = None
    content: Content = ""
    is_published: bool = False
    author_id: AuthorId
    tags: TagNames = Field(default_factory=list)


class PostUpdate(BaseModel):
    """Changes to a post: fields left out keep their value.

    A `slug` given blank is derived again from the (new or current) title. `tags`, when
    given, replaces the post's tags (missing tags are created). `content` may be longer than
    `MAX_CONTENT` (a stored text that long stays editable; the form limits what is typed).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title | None = None
    slug: optional(Slug) = None
    content: text_area(None) | None = None
    is_published: bool | None = None
    author_id: AuthorId | None = None
    tags: TagNames | None = None
