"""Pilot tests of the Users screen: create, edit, validation, duplicates, trash, conflicts,
search, filter, sort, paging and the drill-down to posts."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from textual import events
from textual.widgets import Input, Select

from tests.functional.pilot_waits import wait_until
from tests.functional.test_screen_common import (
    BASE_TIME,
    add_post,
    add_user,
    add_users,
    column_values,
    confirm,
    database,
    fill,
    form,
    local_sqlite,
    notifications,
    rows,
    running,
    save,
    scalar,
    screen_text,
    search,
    settle,
    table,
    table_lines,
)
from tui.config import Settings, load_settings
from tui.models import UserStatus
from tui.screens.filter_dialog import FilterScreen
from tui.screens.modals import ConfirmScreen, ConflictScreen, FormScreen

NEW_USER = dict(
    username="alice",
    email="alice@example.com",
    full_name="Alice Liddell",
    password="wonderland-1",
    status="inactive",
)


async def test_create_user_form_order_and_save() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["bob"])
    async with running(settings) as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        the_form = form(app)
        order = []
        for _ in range(5):
            focused = app.focused
            assert focused is not None
            order.append(focused.id)
            await pilot.press("tab")
        assert order == [
            "input-username",
            "input-email",
            "input-full_name",
            "input-password",
            "input-status",
        ]
        the_form.focus_first()
        await pilot.press(*"alice")
        fill(app, **{k: v for k, v in NEW_USER.items() if k != "username"}, location="Oxford")
        assert the_form.input_widget("password").password  # typed password is masked
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "alice" in "\n".join(table_lines(app))
        assert "row 1 of 2" in table(app).position_text
        (user,) = await rows(
            manager,
            "select username, email, full_name, status, hashed_password from users "
            "where username = 'alice'",
        )
        assert user[:4] == ("alice", "alice@example.com", "Alice Liddell", "inactive")
        assert user[4].startswith("$argon2") and "wonderland-1" not in user[4]
        assert await scalar(manager, "select location from user_profiles") == "Oxford"
        assert "wonderland-1" not in screen_text(app)


async def test_edit_user_keeps_password_when_blank() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        user_id = await add_user(
            manager, "bob", full_name="Bob", profile={"bio": "old bio", "location": "Rome"}
        )
    async with running(settings) as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        values = form(app).values()
        assert values["username"] == "bob" and values["bio"] == "old bio"
        assert values["password"] == "" and values["status"] == "active"
        fill(app, full_name="Robert", status="suspended", bio="new bio")
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert await rows(
            manager, "select full_name, status, hashed_password, version from users"
        ) == [("Robert", "suspended", "x", 2)]
        assert await scalar(manager, "select bio from user_profiles") == "new bio"
        assert "Robert" in "\n".join(table_lines(app))
        assert any("Saved user bob" in n for n in notifications(app))
        assert user_id == 1


async def test_validation_errors_show_at_the_field_and_nothing_is_written() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["taken"])
    async with running(settings) as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        await save(app, pilot)  # empty required fields
        errors = form(app).errors()
        assert errors["username"] == "required"  # shown at the field: the schema's word
        assert errors["email"] == "required" and "password" in errors
        assert app.focused is form(app).input_widget("username")

        typed = dict(
            username="new_user",
            email="not-an-email",
            full_name="Nul\x00byte",
            password="short",
            bio="b" * 10_001,
        )
        fill(app, **typed)
        await save(app, pilot)
        errors = form(app).errors()
        assert "not a valid email" in errors["email"]
        assert "NUL" in errors["full_name"]
        assert "8 characters" in errors["password"]
        assert "10000" in errors["bio"].replace(",", "")
        assert "username" not in errors
        assert {k: form(app).values()[k] for k in typed} == typed  # kept as typed
        text = screen_text(app)
        assert "not a valid email" in text and "NUL" in text
        assert await scalar(manager, "select count(*) from users") == 1

        # over-long: the input stops at the column's length, the schema would refuse more
        username = form(app).input_widget("username")
        assert isinstance(username, Input) and username.max_length == 50
        username.focus()
        username.value = "x" * 48
        await pilot.press("end", "y", "z", "w")
        assert username.value == "x" * 48 + "yz"
        # a paste that does not fit is refused whole, and the field says why
        username.value = "short"
        username.post_message(events.Paste("p" * 60))
        await pilot.pause()
        assert username.value == "short"
        assert form(app).errors()["username"] == "at most 50 characters: that text was not added"

        fill(app, username="taken", email="taken@example.com", full_name="", password="long-enough")
        fill(app, bio="")
        await save(app, pilot)
        errors = form(app).errors()
        assert errors == {
            "username": "already taken",
            "email": "already used by another user",
        }
        assert await scalar(manager, "select count(*) from users") == 1
        assert isinstance(app.screen, FormScreen)

        await pilot.press("escape")  # unsaved changes: asks first
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await confirm(app, pilot)
        assert not isinstance(app.screen, (FormScreen, ConfirmScreen))


async def test_duplicate_of_a_user_in_the_trash_is_named() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["live"])
        await add_user(manager, "trashed", deleted_at=BASE_TIME)
    async with running(settings) as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        fill(app, username="trashed")
        await save(app, pilot)
        assert form(app).errors() == {"username": "already taken (by a user in the trash)"}
        assert await scalar(manager, "select username from users where id = 1") == "live"
        await pilot.press("escape")
        await settle(app, pilot)
        await confirm(app, pilot)  # discard
        await add_users(app.manager, ["added_elsewhere"])
        assert column_values(app, 1) == ["live"]
        await pilot.press("r")  # refresh shows rows written by someone else
        await settle(app, pilot)
        assert column_values(app, 1) == ["live", "added_elsewhere"]
        assert table(app).position_text == "row 1 of 2"


async def test_soft_delete_trash_restore_and_permanent_delete_with_impact() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        keep = await add_user(manager, "keeper")
        doomed = await add_user(manager, "doomed", profile={"bio": "x"})
        for n in range(3):
            await add_post(manager, doomed, f"Doomed post {n}")
        await add_post(manager, keep, "Kept post")
    async with running(settings) as (app, pilot):
        await pilot.press("j", "d")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Move user doomed to the trash?" in screen_text(app)
        await pilot.press("enter")  # on a freshly opened dialog: cancels
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert await scalar(manager, "select deleted_at from users where id = :i", i=doomed) is None
        await pilot.press("d")
        await settle(app, pilot)
        await confirm(app, pilot)
        assert await scalar(
            manager, "select deleted_at is not null from users where id = :i", i=doomed
        )
        assert "doomed" not in "\n".join(table_lines(app))
        assert "row 1 of 1" in table(app).position_text

        await pilot.press("t")
        await settle(app, pilot)
        assert "TRASH" in screen_text(app)
        assert column_values(app, 1) == ["doomed"]
        await pilot.press("u")
        await settle(app, pilot)
        assert await scalar(manager, "select deleted_at from users where id = :i", i=doomed) is None
        assert column_values(app, 1) == []

        await pilot.press("t")
        await settle(app, pilot)
        assert column_values(app, 1) == ["keeper", "doomed"]
        await pilot.press("j", "d")
        await settle(app, pilot)
        await confirm(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press("d")  # in the trash: permanent, with what it takes along
        await settle(app, pilot)
        text = screen_text(app)
        assert "Delete user doomed permanently?" in text
        assert "deletes 3 posts, 1 profile" in text
        await pilot.press("n")  # cancel: nothing happens
        await settle(app, pilot)
        assert await scalar(manager, "select count(*) from users") == 2
        await pilot.press("d", "enter")  # enter on the fresh dialog cancels too
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert await scalar(manager, "select count(*) from users") == 2
        assert await scalar(manager, "select count(*) from posts") == 4
        await pilot.press("d")
        await settle(app, pilot)
        await confirm(app, pilot)
        assert await rows(manager, "select username from users") == [("keeper",)]
        assert await rows(manager, "select title from posts") == [("Kept post",)]
        assert await scalar(manager, "select count(*) from user_profiles") == 0
        assert column_values(app, 1) == []


async def _change_behind(manager, user_id: int, **changes) -> None:
    """Another program's write: the changes, and the version counter moves on."""
    assignments = "".join(f"{name} = :{name}, " for name in changes)
    async with manager.session() as session:
        await session.execute(
            text(f"update users set {assignments}version = version + 1 where id = :user_id"),
            {"user_id": user_id, **changes},
        )


async def _delete_behind(manager, user_id: int) -> None:
    async with manager.session() as session:
        await session.execute(text("delete from users where id = :i"), {"i": user_id})


async def _filter_by_status(app, pilot, status: str) -> None:
    """`f`, then the filter dialog: Status equals `status`."""
    screen = app.screen
    await pilot.press("f")
    await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), "the filter dialog")
    dialog = app.screen
    dialog.query_one("#filter-column", Select).value = "status"
    await pilot.pause()
    dialog.query_one("#filter-choice", Select).value = str(list(UserStatus).index(status))
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: app.screen is screen, "the filter applied")
    await settle(app, pilot)


async def test_conflict_overwrite_and_reload() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        user_id = await add_user(manager, "carol", full_name="Carol")
    async with running(settings) as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        fill(app, full_name="Mine")
        await _change_behind(app.manager, user_id, full_name="Theirs", status="inactive")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictScreen)
        assert set(app.screen.differing_fields) == {"full_name", "status"}
        text = screen_text(app)
        assert "Mine" in text and "Theirs" in text
        assert await scalar(manager, "select full_name from users") == "Theirs"  # not yet
        await pilot.press("r")  # reload theirs: nothing saved, the form shows the database
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        assert form(app).values()["full_name"] == "Theirs"
        assert form(app).values()["status"] == "inactive"
        assert await scalar(manager, "select full_name from users") == "Theirs"
        fill(app, full_name="Mine again")  # now based on their version: saves cleanly
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert await rows(manager, "select full_name, status from users") == [
            ("Mine again", "inactive")
        ]

        await pilot.press("enter")
        await settle(app, pilot)
        fill(app, full_name="Overwriting")
        await _change_behind(app.manager, user_id, full_name="Changed again")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("e")  # keep editing: nothing written
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        assert form(app).values()["full_name"] == "Overwriting"
        assert await scalar(manager, "select full_name from users") == "Changed again"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("o")
        await settle(app, pilot)
        assert not isinstance(app.screen, (FormScreen, ConflictScreen))
        assert await scalar(manager, "select full_name from users") == "Overwriting"


async def test_row_deleted_by_someone_else_while_open() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["first", "second", "third"])
    async with running(settings) as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        fill(app, full_name="Too late")
        await _delete_behind(app.manager, 1)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        assert "This row of Users was deleted meanwhile." in screen_text(app)
        assert await scalar(manager, "select count(*) from users") == 2
        await pilot.press("escape")  # "Too late" was never saved: asks before losing it
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen), screen_text(app)
        await confirm(app, pilot)
        assert not isinstance(app.screen, FormScreen | ConfirmScreen), screen_text(app)
        assert column_values(app, 1) == ["second", "third"]

        # opening a row that vanished since the table loaded: a message and a refresh
        await _delete_behind(app.manager, 2)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "user 2 does not exist (deleted meanwhile?)" in notifications(app)
        assert column_values(app, 1) == ["third"]


async def test_search_filter_and_sort() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["zoe", "adam", "maria"])
        await add_user(manager, "mallory", full_name="Eve Adams", status=UserStatus.SUSPENDED)
        await add_user(manager, "ed", email="ed@adamant.org", status=UserStatus.SUSPENDED)
    async with running(settings) as (app, pilot):
        await search(app, pilot, "ADAM")  # username, email or full name; any case
        assert column_values(app, 1) == ["adam", "mallory", "ed"]
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(column_values(app, 1)) == 5

        await _filter_by_status(app, pilot, "suspended")
        assert column_values(app, 1) == ["mallory", "ed"]
        assert "Status: suspended" in screen_text(app)
        await search(app, pilot, "eve")
        assert column_values(app, 1) == ["mallory"]
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        await pilot.press("x")  # drops the filters
        await settle(app, pilot)
        assert len(column_values(app, 1)) == 5

        await pilot.press("right", "s")  # username ascending, then descending
        await settle(app, pilot)
        ordered = [
            r[0] for r in await rows(manager, "select username from users order by username")
        ]
        assert column_values(app, 1) == ordered
        assert "Username ▲" in table_lines(app)[0]
        await pilot.press("s")
        await settle(app, pilot)
        assert column_values(app, 1) == ordered[::-1]
        assert "Username ▼" in table_lines(app)[0]
        await pilot.press("right", "right", "s")  # full name: NULLs after the names
        await settle(app, pilot)
        assert column_values(app, 3)[0] == "Eve Adams"


async def test_paging_past_the_first_page_and_jump_to_the_end() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, [f"user{n:03d}" for n in range(250)])
    async with running(settings) as (app, pilot):
        widget = table(app)
        assert widget.position_text == "row 1 of 250"
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.press(*"j" * 5)
        await settle(app, pilot)
        row = widget.cursor_row
        assert row > 100
        assert widget.current_row is not None
        assert widget.current_row.cells[1] == f"user{row:03d}"
        assert widget.position_text == f"row {row + 1} of 250"
        await pilot.press("G")
        await settle(app, pilot)
        assert widget.position_text == "row 250 of 250"
        assert column_values(app, 1)[-1] == "user249"
        await pilot.press("k")
        await settle(app, pilot)
        assert widget.current_row.cells[1] == "user248"
        await pilot.press("g")
        await settle(app, pilot)
        assert widget.position_text == "row 1 of 250"
        assert widget.cached_row_count <= widget.max_cached_rows

        await pilot.press("right", "right", "s", "s")  # email, descending, then the far end
        await settle(app, pilot)
        await pilot.press("G")
        await settle(app, pilot)
        emails = [e for (e,) in await rows(manager, "select email from users order by email")]
        assert widget.position_text == "row 250 of 250"
        assert widget.current_row.cells[2] == emails[0]
        await pilot.press("pageup", "pageup", "pageup", "k")
        await settle(app, pilot)
        assert widget.current_row.cells[2] == emails[::-1][widget.cursor_row]


async def test_user_posts_drill_down() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        author = await add_user(manager, "writer")
        other = await add_user(manager, "other")
        await add_post(manager, author, "Mine one")
        await add_post(manager, other, "Not mine")
        await add_post(manager, author, "Mine two")
    async with running(settings) as (app, pilot):
        await pilot.press("p")
        await settle(app, pilot)
        assert app.screen.SCREEN_NAME == "Posts"
        assert column_values(app, 1) == ["Mine one", "Mine two"]
        # the status line names the author, not the key column
        assert "Author: writer" in screen_text(app) and "author_id" not in screen_text(app)


async def test_delete_of_a_row_changed_meanwhile_is_refused() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        user_id = await add_user(manager, "erin")
    async with running(settings) as (app, pilot):
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await _change_behind(app.manager, user_id, full_name="Changed while asking")
        await confirm(app, pilot)
        assert await scalar(manager, "select deleted_at from users") is None
        assert "this user was changed meanwhile (now version 2)" in notifications(app)
        assert column_values(app, 3) == ["Changed while asking"]


@pytest.fixture(params=["sqlite", "postgres"])
def writable(request: pytest.FixtureRequest) -> Settings:
    """A development database to write to: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        return local_sqlite()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{request.getfixturevalue('pg_database')}"
    return load_settings(None, {"DATABASE_URL": url}, environ={})


USER_ROW = "select username, email, full_name, status, hashed_password, version from users"
PROFILE_ROW = "select bio, avatar_url, location from user_profiles where user_id = :i"


def _password_matches(password: str, hashed: str) -> bool:
    from pwdlib import PasswordHash

    return PasswordHash.recommended().verify(password, hashed)


def _logged(app) -> str:
    """Every statement and parameter list the SQL log holds."""
    return "\n".join(f"{e.statement} {e.parameters}" for e in app.manager.sql_log.entries)


async def test_profile_and_password_edits_write_what_changed_only(writable: Settings) -> None:
    async with database(writable) as manager:
        user_id = await add_user(manager, "pat", full_name="Pat")
    async with running(writable) as (app, pilot):
        await pilot.press("enter")  # only the bio: the profile row is created
        await settle(app, pilot)
        assert form(app).values()["bio"] == "" and form(app).values()["password"] == ""
        fill(app, bio="First bio")
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert await rows(manager, PROFILE_ROW, i=user_id) == [("First bio", None, None)]
        assert await rows(manager, USER_ROW) == [
            ("pat", "pat@example.com", "Pat", "active", "x", 2)  # the user's version moved
        ]

        await pilot.press("enter")  # only the password: hashed, never shown or logged
        await settle(app, pilot)
        assert form(app).values()["bio"] == "First bio"
        fill(app, password="new-secret-1")
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        (user,) = await rows(manager, USER_ROW)
        assert user[:4] == ("pat", "pat@example.com", "Pat", "active") and user[5] == 3
        assert user[4].startswith("$argon2") and _password_matches("new-secret-1", user[4])
        assert await rows(manager, PROFILE_ROW, i=user_id) == [("First bio", None, None)]
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert "new-secret-1" not in screen_text(app) and "new-secret-1" not in _logged(app)

        await pilot.press("enter")  # a short password is refused at its field
        await settle(app, pilot)
        fill(app, password="short")
        await save(app, pilot)
        assert "8 characters" in form(app).errors()["password"]
        fill(app, password="", bio="", location="Oslo")  # blank keeps the password
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert await rows(manager, PROFILE_ROW, i=user_id) == [(None, None, "Oslo")]
        assert (await rows(manager, USER_ROW))[0][4] == user[4]


async def test_new_user_with_a_profile_saves_once_its_errors_are_fixed(writable: Settings) -> None:
    async with database(writable) as manager:
        await add_users(manager, ["bob"])
    async with running(writable) as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        typed = dict(username="Quinn", email="bad", password="long-enough", bio="Hello")
        fill(app, **typed, avatar_url="not-a-url")
        await save(app, pilot)
        errors = form(app).errors()  # every bad field at once, the profile's too
        assert set(errors) == {"email", "avatar_url"} and "http" in errors["avatar_url"]
        assert await scalar(manager, "select count(*) from users") == 1
        fill(app, email="Quinn@EXAMPLE.com", avatar_url="https://example.com/q.png")
        await save(app, pilot)  # status left to the database's default
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert "Added user Quinn" in notifications(app)
        quinn = await scalar(manager, "select id from users where username = 'Quinn'")
        assert await rows(
            manager, "select email, full_name, status from users where id = :i", i=quinn
        ) == [("Quinn@example.com", None, "active")]  # the email's domain normalised
        assert await rows(manager, PROFILE_ROW, i=quinn) == [
            ("Hello", "https://example.com/q.png", None)
        ]

        await pilot.press("n")  # no profile field set: no profile row
        await settle(app, pilot)
        fill(app, username="rae", email="rae@example.com", password="long-enough")
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert await scalar(manager, "select count(*) from user_profiles") == 1
        assert "long-enough" not in _logged(app)
