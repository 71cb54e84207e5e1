"""Input schemas for users and their profile."""

from __future__ import annotations

import re
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, SecretStr, field_validator

from tui.db.tables import UserStatus
from tui.schemas.text import MAX_BIO, Blankable, line, text_area

USERNAME_MAX = 50
EMAIL_MAX = 255
FULL_NAME_MAX = 100
PASSWORD_MIN = 8
PASSWORD_MAX = 1024
AVATAR_URL_MAX = 500
LOCATION_MAX = 100

_USERNAME = re.compile(r"^[\w.@+-]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _check_username(value: str) -> str:
    if not _USERNAME.match(value):
        raise ValueError("use letters, digits and . @ + - _ only (no spaces)")
    return value


def _check_email(value: str) -> str:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    if len(result.normalized) > EMAIL_MAX:
        raise ValueError(f"at most {EMAIL_MAX} characters")
    return result.normalized


def _check_url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("must be an http:// or https:// address")
    return value


def _check_password(value: SecretStr | None) -> SecretStr | None:
    if value is None:
        return None
    secret = value.get_secret_value()
    if "\x00" in secret:
        raise ValueError("must not contain NUL bytes")
    if len(secret) > PASSWORD_MAX:
        raise ValueError(f"at most {PASSWORD_MAX} characters")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in secret):
        raise ValueError("contains an invalid character")
    return value


Username = Annotated[str, *line(USERNAME_MAX), AfterValidator(_check_username)]
Email = Annotated[str, *line(EMAIL_MAX), AfterValidator(_check_email)]
FullName = Blankable[Annotated[str, *line(FULL_NAME_MAX)]]
AvatarUrl = Annotated[str, *line(AVATAR_URL_MAX), AfterValidator(_check_url)]
Location = Annotated[str, *line(LOCATION_MAX)]
Bio = Annotated[str, *text_area(MAX_BIO)]
#: A bio of an edit: a stored one longer than `MAX_BIO` stays editable.
BioEdit = Annotated[str, *text_area(None)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProfileData(_Input):
    """Profile fields; every one optional (blank means empty)."""

    bio: Blankable[Bio] = None
    avatar_url: Blankable[AvatarUrl] = None
    location: Blankable[Location] = None


class ProfileChanges(ProfileData):
    """Profile fields of an edit: only those given are written. A stored bio longer than
    `MAX_BIO` stays editable (the form limits what is typed, not what is stored)."""

    bio: Blankable[BioEdit] = None


class UserCreate(_Input):
    """A new user. `password` is hashed by the repository and never stored plain."""

    username: Username
    email: Email
    full_name: FullName = None
    password: SecretStr
    status: UserStatus = UserStatus.ACTIVE
    profile: ProfileData | None = None

    @field_validator("password")
    @classmethod
    def _password(cls, value: SecretStr) -> SecretStr:
        _check_password(value)
        if len(value.get_secret_value()) < PASSWORD_MIN:
            raise ValueError(f"at least {PASSWORD_MIN} characters")
        return value


class UserUpdate(_Input):
    """Changes to a user: fields left out keep their value (`profile`: only the fields given).

    A blank `password` keeps the old one. `full_name` can be cleared by sending ``""``
    explicitly (it is then in ``model_fields_set`` with the value ``None``).
    """

    username: Username | None = None
    email: Email | None = None
    full_name: FullName = None
    password: SecretStr | None = None
    status: UserStatus | None = None
    profile: ProfileChanges | None = None

    @field_validator("password", mode="before")
    @classmethod
    def _blank_password(cls, value: object) -> object:
        if isinstance(value, str) and value == "":
            return None
        if isinstance(value, SecretStr) and value.get_secret_value() == "":
            return None
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: SecretStr | None) -> SecretStr | None:
        _check_password(value)
        if value is not None and len(value.get_secret_value()) < PASSWORD_MIN:
            raise ValueError(f"at least {PASSWORD_MIN} characters")
        return value


__all__ = ["ProfileChanges", "ProfileData", "UserCreate", "UserUpdate"]
