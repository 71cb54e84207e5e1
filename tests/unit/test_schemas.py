"""Input schemas: arbitrary input gives valid data or `FieldErrors`, never another exception."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from tui.models import UserStatus
from tui.schemas import (
    MAX_CONTENT,
    FieldErrors,
    PostCreate,
    PostUpdate,
    ProfileData,
    TagCreate,
    TagUpdate,
    UserCreate,
    UserUpdate,
    parse,
)

#: Any code point, surrogates and control characters included.
ANY_CHAR = st.characters(exclude_categories=())
TEXT = st.text(alphabet=ANY_CHAR, max_size=60)
FRIENDLY = st.text(alphabet=st.characters(categories=["Ll", "Lu", "Nd"]), min_size=1, max_size=9)
SCALARS = st.one_of(
    FRIENDLY,
    TEXT,
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.floats(allow_nan=True),
    st.sampled_from(["", " ", "active", "a@b.co", "ok-slug", "password1", "12"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=8,
)

SCHEMAS: list[type[BaseModel]] = [
    UserCreate,
    UserUpdate,
    ProfileData,
    PostCreate,
    PostUpdate,
    TagCreate,
    TagUpdate,
]

SINGLE_LINE = {"username", "email", "full_name", "title", "slug", "name", "location", "avatar_url"}
MULTI_LINE = {"content", "bio"}


VALID: dict[type[BaseModel], dict[str, Any]] = {
    UserCreate: {"username": "ann", "email": "ann@example.com", "password": "password1"},
    UserUpdate: {"full_name": "Ann"},
    ProfileData: {"bio": "hello"},
    PostCreate: {"title": "Hello", "author_id": 1, "tags": ["x"]},
    PostUpdate: {"title": "Hello"},
    TagCreate: {"name": "x"},
    TagUpdate: {"name": "x"},
}


def field_inputs(schema: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid input with some fields (or an unknown key) replaced by arbitrary values."""
    names = [*schema.model_fields, "unknown"]
    overrides = st.dictionaries(st.sampled_from(names), VALUES, max_size=3)
    return overrides.map(lambda changes: {**VALID[schema], **changes})


def check_clean(model: BaseModel) -> None:
    """Every string that passed validation is safe to send to any backend."""
    for name, value in model:
        if isinstance(value, BaseModel):
            check_clean(value)
        elif isinstance(value, list):
            for item in value:
                assert isinstance(item, str) and item == item.strip() and item
                assert all(unicodedata.category(ch) not in ("Cc", "Cs") for ch in item)
        elif isinstance(value, str):
            if name not in MULTI_LINE:  # multi-line text is kept as given, padding included
                assert value == value.strip(), name
            assert "\x00" not in value
            allowed = "\r\n\t" if name in MULTI_LINE else ""
            bad = [ch for ch in value if ch not in allowed and unicodedata.category(ch) == "Cc"]
            assert not bad, (name, value)
            value.encode("utf-8")  # no lone surrogates
            if name in SINGLE_LINE:
                assert value, name


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.__name__)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_arbitrary_input_gives_valid_data_or_field_errors(
    schema: type[BaseModel], data: st.DataObject
) -> None:
    raw = data.draw(field_inputs(schema))
    try:
        model = parse(schema, raw)
    except FieldErrors as exc:
        assert exc.errors
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in exc.errors.items())
        return
    check_clean(model)


@given(text=TEXT)
@settings(max_examples=300, deadline=None)
def test_arbitrary_text_in_every_text_field(text: str) -> None:
    for schema, field, extra in [
        (UserCreate, "username", {"email": "a@b.co", "password": "password1"}),
        (UserCreate, "email", {"username": "u", "password": "password1"}),
        (UserCreate, "full_name", {"username": "u", "email": "a@b.co", "password": "password1"}),
        (UserCreate, "password", {"username": "u", "email": "a@b.co"}),
        (ProfileData, "bio", {}),
        (ProfileData, "avatar_url", {}),
        (PostCreate, "title", {"author_id": 1}),
        (PostCreate, "slug", {"title": "t", "author_id": 1}),
        (PostCreate, "content", {"title": "t", "author_id": 1}),
        (TagCreate, "name", {}),
    ]:
        try:
            model = parse(schema, {**extra, field: text})
        except FieldErrors as exc:
            assert list(exc.errors) == [field]
            continue
        check_clean(model)


def errors_of(schema: type[BaseModel], data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        parse(schema, data)
    return caught.value.errors


def test_required_fields_and_lengths_have_human_messages() -> None:
    assert errors_of(UserCreate, {}) == {
        "username": "required",
        "email": "required",
        "password": "required",
    }
    errors = errors_of(
        UserCreate,
        {"username": "u" * 51, "email": "x@" + "e" * 250 + ".com", "password": "short"},
    )
    assert errors["username"] == "at most 50 characters"
    assert errors["email"] == "at most 255 characters"
    assert errors["password"] == "at least 8 characters"
    assert errors_of(PostCreate, {"title": "  ", "author_id": "x"}) == {
        "title": "required",
        "author_id": "must be a whole number",
    }
    assert errors_of(PostCreate, {"title": "t" * 201, "author_id": 1}) == {
        "title": "at most 200 characters"
    }
    assert errors_of(TagCreate, {"name": "n" * 51}) == {"name": "at most 50 characters"}
    assert errors_of(ProfileData, {"location": "l" * 101, "avatar_url": "ftp://x"}) == {
        "location": "at most 100 characters",
        "avatar_url": "must be an http:// or https:// address",
    }
    assert errors_of(
        UserCreate,
        {"username": "u", "email": "a@b.co", "password": "p" * 8, "profile": {"bio": "\x00"}},
    ) == {"profile.bio": "must not contain NUL bytes"}
    assert "unknown field" in errors_of(TagCreate, {"name": "x", "colour": "red"}).values()


def test_single_line_values_are_stripped_text_areas_kept() -> None:
    user = parse(
        UserCreate,
        {
            "username": "  ann ",
            "email": " Ann@EXAMPLE.org ",
            "password": " spaces kept ",
            "full_name": "   ",
            "status": "suspended",
        },
    )
    assert (user.username, user.email, user.full_name) == ("ann", "Ann@example.org", None)
    assert user.password.get_secret_value() == " spaces kept "
    assert "spaces kept" not in repr(user)
    assert user.status is UserStatus.SUSPENDED
    profile = parse(ProfileData, {"bio": " one\r\ntwo\tthree\r ", "avatar_url": ""})
    assert profile.bio == " one\r\ntwo\tthree\r " and profile.avatar_url is None  # as given


def test_emails_are_checked_without_dns() -> None:
    assert parse(TagCreate, {"name": "x"}).name == "x"
    for bad in ["plain", "a@", "@b.co", "a b@c.co", "a@b", "a@@b.co"]:
        assert "email" in errors_of(
            UserCreate, {"username": "u", "email": bad, "password": "p" * 8}
        )
    ok = parse(
        UserCreate, {"username": "u", "email": "x@no-such-domain-zz.example", "password": "p" * 8}
    )
    assert ok.email == "x@no-such-domain-zz.example"


def test_control_characters_are_refused_but_newlines_allowed_in_text_areas() -> None:
    assert errors_of(PostCreate, {"title": "a\nb", "author_id": 1}) == {
        "title": "must not contain a line break"
    }
    assert errors_of(PostCreate, {"title": "a\x1bb", "author_id": 1}) == {
        "title": "must not contain control character U+001B"
    }
    assert errors_of(PostCreate, {"title": "t", "author_id": 1, "content": "\x07"}) == {
        "content": "must not contain control character U+0007"
    }
    assert (
        parse(PostCreate, {"title": "t", "author_id": 1, "content": "a\n\tb"}).content == "a\n\tb"
    )
    assert "password" in errors_of(
        UserCreate, {"username": "u", "email": "a@b.co", "password": "pass\x00word"}
    )


def test_content_limit() -> None:
    long = "x" * MAX_CONTENT
    assert (
        len(parse(PostCreate, {"title": "t", "author_id": 1, "content": long}).content)
        == MAX_CONTENT
    )
    assert errors_of(PostCreate, {"title": "t", "author_id": 1, "content": long + "x"}) == {
        "content": f"at most {MAX_CONTENT} characters"
    }


def test_slugs_and_tags() -> None:
    assert parse(PostCreate, {"title": "t", "author_id": 1, "slug": " a-b-1 "}).slug == "a-b-1"
    assert parse(PostCreate, {"title": "t", "author_id": 1, "slug": ""}).slug is None
    for bad in ["A-b", "a--b", "-a", "a-", "a_b", "é"]:
        assert "slug" in errors_of(PostCreate, {"title": "t", "author_id": 1, "slug": bad})
    post = parse(PostCreate, {"title": "t", "author_id": "7", "tags": [" x ", "y", "x"]})
    assert (post.author_id, post.tags) == (7, ["x", "y"])
    assert errors_of(PostCreate, {"title": "t", "author_id": 0}) == {
        "author_id": "must be at least 1"
    }
    assert errors_of(PostCreate, {"title": "t", "author_id": 1, "tags": ["ok", ""]}) == {
        "tags": "required"
    }


def test_updates_keep_what_is_left_out() -> None:
    update = parse(UserUpdate, {"password": "", "full_name": ""})
    assert update.password is None and update.full_name is None
    assert update.model_fields_set == {"password", "full_name"}
    assert parse(UserUpdate, {}).model_fields_set == set()
    assert "password" in errors_of(UserUpdate, {"password": "short"})
    post = parse(PostUpdate, {"title": "New"})
    assert (post.title, post.slug, post.tags, post.content) == ("New", None, None, None)
    assert parse(TagUpdate, {"name": " new "}).name == "new"
    same = TagUpdate(name="x")
    assert parse(TagUpdate, same) is same  # a model instance passes straight through
