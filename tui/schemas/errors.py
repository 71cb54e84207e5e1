"""`FieldErrors`: validation problems keyed by field, and the pydantic conversion helpers.

pydantic loads on the first `parse`: listing rows raises `FieldErrors` nowhere, so the first
screen opens without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound="BaseModel")


class FieldErrors(Exception):
    """Input that cannot be saved: one human message per field name.

    Field names are the schema's field names; nested fields are dotted (``profile.bio``).
    Database integrity errors (duplicate email, missing author, ...) are raised as this too.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: dict[str, str] = dict(errors)
        super().__init__(self.summary())

    def summary(self) -> str:
        return "; ".join(f"{field}: {message}" for field, message in self.errors.items())

    def __repr__(self) -> str:
        return f"FieldErrors({self.errors!r})"


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc if not isinstance(part, int)]
    return ".".join(parts) or "__root__"


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return "required"
        return f"at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "must be a whole number"
    if kind in ("greater_than", "greater_than_equal"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("bool_parsing", "bool_type"):
        return "must be yes or no"
    if kind == "enum":
        return f"must be one of {ctx.get('expected', '')}".strip()
    if kind in ("string_type", "list_type", "model_type", "model_attributes_type"):
        return "has the wrong type"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "value_error":
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ")
    return str(error.get("msg", "invalid"))


def field_errors_from(exc: ValidationError) -> FieldErrors:
    """One message per field (the first problem found for it)."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        errors.setdefault(_field_name(tuple(error.get("loc", ()))), _message(error))
    return FieldErrors(errors)


def parse(model: type[M], data: M | Mapping[str, Any]) -> M:
    """Validate `data` into `model`; raises `FieldErrors` (never `ValidationError`)."""
    from pydantic import BaseModel, ValidationError

    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump(exclude_unset=True)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise field_errors_from(exc) from None
