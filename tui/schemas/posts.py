"""Input schemas for posts."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tui.schemas.tags import TagName
from tui.schemas.text import MAX_CONTENT, Blankable, line, text_area

TITLE_MAX = 200
SLUG_MAX = 250
MAX_TAGS = 50

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise ValueError("use lowercase letters, digits and single hyphens only")
    return value


def _unique_tags(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))  # the first of each, in order


Title = Annotated[str, *line(TITLE_MAX)]
Slug = Annotated[str, *line(SLUG_MAX), AfterValidator(_check_slug)]
Content = Annotated[str, *text_area(MAX_CONTENT)]
#: Content of an edit: a stored text longer than `MAX_CONTENT` stays editable.
ContentEdit = Annotated[str, *text_area(None)]
AuthorId = Annotated[int, Field(ge=1)]
TagNames = Annotated[list[TagName], Field(max_length=MAX_TAGS), AfterValidator(_unique_tags)]


class PostCreate(BaseModel):
    """A new post. Without a `slug`, one is derived from the title (made unique)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Title
    slug: Blankable[Slug] = None
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
    slug: Blankable[Slug] = None
    content: ContentEdit | None = None
    is_published: bool | None = None
    author_id: AuthorId | None = None
    tags: TagNames | None = None
