"""Saves write back exactly what the user changed, and forms show stored values literally.

Values are set directly in the database (padding, CRLF line endings, trailing newlines,
escape sequences, line breaks in single-line columns, values longer than a field's limit);
the form is driven by keyboard; the database is compared byte for byte afterwards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from textual.widgets import TextArea

from tests.functional.test_screen_common import (
    add_post,
    add_user,
    confirm,
    database,
    form,
    local_sqlite,
    rows,
    running,
    screen_text,
    settle,
)
from tui.app import DbTuiApp
from tui.db.session import SessionManager
from tui.schemas.text import MAX_CONTENT
from tui.screens.modals import ConfirmScreen, FormScreen

USER_COLUMNS = (
    "select u.username, u.email, u.full_name, u.status, u.hashed_password, u.version, "
    "u.created_at, u.updated_at, p.bio, p.avatar_url, p.location "
    "from users u left join user_profiles p on p.user_id = u.id where u.id = :id"
)
POST_COLUMNS = (
    "select title, slug, content, is_published, author_id, version, created_at, updated_at "
    "from posts where id = :id"
)


async def set_columns(manager: SessionManager, table: str, row_id: int, **values: Any) -> None:
    """Store values directly (no validation, no normalisation): what another program wrote."""
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    async with manager.session() as session:
        await session.execute(
            text(f"update {table} set {assignments} where id = :row_id"),
            {"row_id": row_id, **values},
        )


async def open_row(app: DbTuiApp, pilot: Any) -> None:
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, FormScreen), screen_text(app)


async def type_in(app: DbTuiApp, pilot: Any, name: str, *keys: str) -> None:
    form(app).focus_field(name)
    await pilot.pause()
    await pilot.press(*keys)


async def save_form(app: DbTuiApp, pilot: Any) -> None:
    await pilot.press("ctrl+s")
    await settle(app, pilot)


PADDED_USER = dict(
    full_name="  Ann  Padded ",
    bio="first line\r\nsecond line\r\n\r\n",
    location=" Rome ",
    avatar_url="https://example.com/a.png ",
)


async def padded_user(manager: SessionManager) -> int:
    user_id = await add_user(
        manager, "ann", full_name="x", profile={"bio": "x", "location": "x", "avatar_url": "x"}
    )
    await set_columns(manager, "users", user_id, full_name=PADDED_USER["full_name"])
    async with manager.session() as session:
        await session.execute(
            text(
                "update user_profiles set bio = :bio, location = :location, "
                "avatar_url = :avatar_url where user_id = :id"
            ),
            {"id": user_id, **{k: v for k, v in PADDED_USER.items() if k != "full_name"}},
        )
    return user_id


async def test_an_unchanged_form_writes_nothing() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        user_id = await padded_user(manager)
        author_id = await add_user(manager, "writer")
        post_id = await add_post(manager, author_id, "Title", content="c", tags=["t"])
        await set_columns(manager, "posts", post_id, title=" Title ", content="a\r\nb\r\n\n")
        user_before = await rows(manager, USER_COLUMNS, id=user_id)
        post_before = await rows(manager, POST_COLUMNS, id=post_id)
    async with running(settings) as (app, pilot):
        await open_row(app, pilot)
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "No changes: nothing was saved" in screen_text(app)
        assert await rows(manager, USER_COLUMNS, id=user_id) == user_before

        await pilot.press("2")
        await settle(app, pilot)
        await open_row(app, pilot)
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert await rows(manager, POST_COLUMNS, id=post_id) == post_before


async def test_changing_one_field_writes_that_field_only() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        user_id = await padded_user(manager)
        before = (await rows(manager, USER_COLUMNS, id=user_id))[0]
    async with running(settings) as (app, pilot):
        await open_row(app, pilot)
        await type_in(app, pilot, "email", "ctrl+u", *"ann.new@example.com")
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        after = (await rows(manager, USER_COLUMNS, id=user_id))[0]
        assert after[1] == "ann.new@example.com"
        assert after[5] == before[5] + 1  # the version moves with the write
        unchanged = (0, 2, 3, 4, 6, 8, 9, 10)  # every other column, byte for byte
        assert [after[i] for i in unchanged] == [before[i] for i in unchanged]
        assert after[2] == PADDED_USER["full_name"] and after[8] == PADDED_USER["bio"]

        # a change inside the CRLF bio keeps its line endings and trailing newlines
        await open_row(app, pilot)
        await type_in(app, pilot, "bio", "end", "!")
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        (bio, location) = (
            await rows(
                manager, "select bio, location from user_profiles where user_id = :id", id=user_id
            )
        )[0]
        assert bio == "first line!\r\nsecond line\r\n\r\n"
        assert location == PADDED_USER["location"]


async def test_post_edits_keep_untouched_fields_and_the_slug() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        author_id = await add_user(manager, "writer")
        post_id = await add_post(
            manager, author_id, "Title", slug="hand-made", content="x", tags=["b", "a"]
        )
        await set_columns(
            manager, "posts", post_id, title=" Spaced title ", content="line one\r\nline two\r\n"
        )
        before = (await rows(manager, POST_COLUMNS, id=post_id))[0]
    async with running(settings, mode="posts") as (app, pilot):
        await open_row(app, pilot)
        await type_in(app, pilot, "is_published", "space")
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        after = (await rows(manager, POST_COLUMNS, id=post_id))[0]
        assert after[3] == 1 and after[5] == before[5] + 1
        assert after[:3] == before[:3]  # title (padded), slug, CRLF content

        await open_row(app, pilot)  # a new title keeps the slug the user made
        await type_in(app, pilot, "title", "ctrl+u", *"New title")
        await type_in(app, pilot, "content", "end", "!")
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        title, slug, content = (await rows(manager, POST_COLUMNS, id=post_id))[0][:3]
        assert (title, slug, content) == ("New title", "hand-made", "line one!\r\nline two\r\n")
        tags = await rows(
            manager,
            "select t.name from post_tags pt join tags t on t.id = pt.tag_id "
            "where pt.post_id = :id order by t.name",
            id=post_id,
        )
        assert tags == [("a",), ("b",)]


async def test_values_longer_than_the_typing_limit_stay_editable() -> None:
    settings = local_sqlite()
    long_content = "word " * 14_000  # 70,000 characters, more than MAX_CONTENT
    long_name = "u" * 60  # SQLite keeps it; the column says 50
    async with database(settings) as manager:
        author_id = await add_user(manager, "writer")
        await set_columns(manager, "users", author_id, username=long_name)
        post_id = await add_post(manager, author_id, "Long", content="x")
        await set_columns(manager, "posts", post_id, content=long_content)
    async with running(settings, mode="posts") as (app, pilot):
        await open_row(app, pilot)
        area = form(app).input_widget("content")
        assert isinstance(area, TextArea) and area.text == long_content
        form(app).focus_field("content")
        await pilot.pause()
        shown = screen_text(app)  # the note under the field (it wraps)
        assert "it has 70,000" in shown and "65,535 allowed when typing" in shown
        await type_in(app, pilot, "title", "ctrl+u", *"Still long")
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert (await rows(manager, POST_COLUMNS, id=post_id))[0][:3] == (
            "Still long",
            "long",
            long_content,
        )

        await open_row(app, pilot)  # shortening the stored text is an edit like any other
        await type_in(app, pilot, "content", "delete", "delete")  # at its start
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        stored = (await rows(manager, POST_COLUMNS, id=post_id))[0][2]
        assert stored == long_content[2:]

        await open_row(app, pilot)  # but it may not grow past what was stored
        await type_in(app, pilot, "content", *"abc")
        await save_form(app, pilot)
        assert isinstance(app.screen, FormScreen)
        assert f"at most {MAX_CONTENT:,} characters" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)  # unsaved changes: asks
        await confirm(app, pilot)
        assert (await rows(manager, POST_COLUMNS, id=post_id))[0][2] == long_content[2:]

        await pilot.press("1")  # the over-long username: other fields still save
        await settle(app, pilot)
        await open_row(app, pilot)
        assert form(app).values()["username"] == long_name
        await type_in(app, pilot, "full_name", *"Writer")
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert await rows(
            manager, "select username, full_name from users where id = :id", id=author_id
        ) == [(long_name, "Writer")]


HOSTILE_USERNAME = "esc\x1b[2J\x1b[31mred"
TWO_LINES = "two\nlines"


async def test_forms_and_dialogs_show_stored_values_literally() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        user_id = await add_user(manager, "plain")
        await set_columns(manager, "users", user_id, username=HOSTILE_USERNAME, full_name=TWO_LINES)
        post_id = await add_post(manager, user_id, "Post", tags=["tag\x1b[5m"])
        await set_columns(manager, "posts", post_id, title="A\nB \x1b]0;x\x07")
    async with running(settings) as (app, pilot):
        await open_row(app, pilot)
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "esc\\x1b[2J\\x1b[31mred" in shown and "two\\nlines" in shown
        assert "shown as escapes" in shown
        # the layout holds: a field error shows under its field
        await type_in(app, pilot, "email", "ctrl+u", *"not-an-email")
        await save_form(app, pilot)
        assert "not a valid email" in screen_text(app)
        await type_in(app, pilot, "email", "ctrl+u", *"fixed@example.com")
        await save_form(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert await rows(
            manager, "select username, full_name, email from users where id = :id", id=user_id
        ) == [(HOSTILE_USERNAME, TWO_LINES, "fixed@example.com")]
        assert "\x1b" not in screen_text(app)  # the "Saved user …" toast too

        await pilot.press("2")
        await settle(app, pilot)
        await open_row(app, pilot)  # the author picker, the tag chips, the title
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "esc\\x1b[2J\\x1b[31mred" in shown and "tag\\x1b[5m" in shown
        assert "A\\nB \\x1b]0;x\\x07" in shown
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("d")  # the delete confirmation names the post on one line
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        shown = screen_text(app)
        assert "\x1b" not in shown and "A\\nB \\x1b]0;x\\x07" in shown
        await pilot.press("escape")
        await settle(app, pilot)
        assert await rows(manager, "select title from posts where id = :id", id=post_id) == [
            ("A\nB \x1b]0;x\x07",)
        ]
