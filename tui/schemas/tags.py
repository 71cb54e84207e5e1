"""Input schemas for tags."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from tui.schemas.text import line

TAG_NAME_MAX = 50


def _check_tag_name(value: str) -> str:
    if "," in value:
        raise ValueError("must not contain commas")
    return value


TagName = Annotated[str, *line(TAG_NAME_MAX), AfterValidator(_check_tag_name)]


class TagCreate(BaseModel):
    """A new tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: TagName


class TagUpdate(BaseModel):
    """Renaming a tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: TagName
