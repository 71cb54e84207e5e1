"""Shared helpers for the Users/Posts/Tags screen tests, and the tests common to all three:
export, literal display of markup and control characters, palette, help, database errors.

The helpers build a real SQLite file (or PostgreSQL database) with the real migrations, add
rows with fixed values through the ORM tables, run the app with `run_test`, and read what the
terminal shows.
"""

from __future__ import annotations

import asyncio
import csv
import html
import json
import os
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from sqlalchemy import insert, select, text
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input, Select, TextArea
from textual.worker import WorkerState

from tests.conftest import copy_demo_schema, pg_settings, sqlite_settings
from tests.functional.pilot_waits import notifications, run_palette_command, wait_until
from tests.functional.test_widget_modals import press_confirm
from tui.app import DbTuiApp, make_app
from tui.config import Settings, load_settings
from tui.db.session import SessionManager
from tui.models import Post, Tag, User, UserProfile, post_tags
from tui.screens.export_dialog import ExportScreen
from tui.screens.filter_dialog import FilterScreen
from tui.screens.modals import (
    ConfirmScreen,
    FormScreen,
    HelpScreen,
    TypeToConfirmScreen,
)
from tui.widgets.record_form import PickerField, RecordForm
from tui.widgets.record_table import RecordTable

SIZE = (160, 45)
BASE_TIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


# -- databases -------------------------------------------------------------------------------
@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[SessionManager]:
    """A writable manager on `settings`' database with the schema (disposed afterwards).

    The database starts as a copy of one migrated by the real Alembic revisions once per test
    session (`copy_demo_schema`).
    """
    copy_demo_schema(settings)
    manager = SessionManager(settings)
    manager.unlock()
    try:
        yield manager
    finally:
        await manager.dispose()


def local_sqlite() -> Settings:
    """A development SQLite file relative to the test's (temporary) working directory."""
    return sqlite_settings(Path("app.db"))


async def add_users(
    manager: SessionManager, names: Sequence[str], *, start: datetime = BASE_TIME, **values: Any
) -> list[int]:
    """Insert users `names` (email `<name>@example.com`, one minute apart); returns ids."""
    rows = [
        {
            "username": name,
            "email": f"{name}@example.com",
            "hashed_password": "x",
            "created_at": start + timedelta(minutes=n),
            "updated_at": start + timedelta(minutes=n),
            **values,
        }
        for n, name in enumerate(names)
    ]
    async with manager.session() as session:
        result = await session.execute(insert(User).returning(User.id), rows)
        return list(result.scalars())


async def add_user(manager: SessionManager, username: str, **values: Any) -> int:
    """One user; `profile={...}` adds a profile."""
    profile = values.pop("profile", None)
    (user_id,) = await add_users(manager, [username], **values)
    if profile is not None:
        async with manager.session() as session:
            await session.execute(insert(UserProfile), [{"user_id": user_id, **profile}])
    return user_id


async def add_tags(manager: SessionManager, names: Sequence[str]) -> dict[str, int]:
    async with manager.session() as session:
        result = await session.execute(
            insert(Tag).returning(Tag.name, Tag.id), [{"name": n} for n in names]
        )
        return {name: tag_id for name, tag_id in result.all()}


async def add_post(
    manager: SessionManager,
    author_id: int,
    title: str,
    *,
    slug: str | None = None,
    content: str = "",
    published: bool = False,
    tags: Sequence[str] = (),
    created: datetime = BASE_TIME,
) -> int:
    """One post with fixed values; tags are created when missing."""
    async with manager.session() as session:
        post_id = (
            await session.execute(
                insert(Post).returning(Post.id),
                [
                    {
                        "title": title,
                        "slug": slug or title.lower().replace(" ", "-"),
                        "content": content,
                        "is_published": published,
                        "author_id": author_id,
                        "created_at": created,
                        "updated_at": created,
                    }
                ],
            )
        ).scalar_one()
        for name in tags:
            tag_id = (await session.execute(select(Tag.id).where(Tag.name == name))).scalar()
            if tag_id is None:
                tag_id = (
                    await session.execute(insert(Tag).returning(Tag.id), [{"name": name}])
                ).scalar_one()
            await session.execute(insert(post_tags), [{"post_id": post_id, "tag_id": tag_id}])
    return post_id


async def rows(manager: SessionManager, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The result of a read query, as tuples."""
    async with manager.session() as session:
        return [tuple(r) for r in (await session.execute(text(sql), params)).all()]


async def scalar(manager: SessionManager, sql: str, **params: Any) -> Any:
    async with manager.session() as session:
        return (await session.execute(text(sql), params)).scalar()


# -- running the app -------------------------------------------------------------------------
async def settle(app: DbTuiApp, pilot: Pilot) -> None:
    """Wait until no worker is pending or running, then let the screen repaint."""
    for _ in range(50):
        busy = [w for w in app.workers if w.state in (WorkerState.PENDING, WorkerState.RUNNING)]
        # A worker waiting on a modal answer (push_screen_wait) never ends by itself.
        busy = [w for w in busy if not _waits_for_a_screen(app, w)]
        busy = [w for w in busy if w.name != "check_revision"]  # sleeps, then warns only
        if not busy:
            break
        waiting = asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
        try:
            await asyncio.wait_for(waiting, timeout=5)
        except TimeoutError:
            if os.environ.get("DEBUG_SETTLE"):
                print("settle: still busy", [w.name for w in busy])
    await pilot.pause()
    await pilot.pause()


def _waits_for_a_screen(app: DbTuiApp, worker: Any) -> bool:
    return worker.name in WAITING_WORKERS and isinstance(app.screen, ModalScreen)


#: Workers that may stay running while a modal is open (they await its answer).
WAITING_WORKERS = {
    "_ask_delete",
    "_seed",
    "_run_save",
    "_merge",
    "action_tag_posts",
    "_resolve_conflict",
    "_restore",
}


@asynccontextmanager
async def running(settings: Settings, mode: str = "users") -> AsyncIterator[tuple[DbTuiApp, Pilot]]:
    """The app on `settings`, showing `mode`, with its first rows loaded."""
    app = make_app(settings, initial_mode=mode)
    # notifications on: toasts render (data quoted in a message must not break them)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(app, pilot)
        yield app, pilot


def table(app: DbTuiApp) -> RecordTable:
    return app.screen.query_one(RecordTable)


def table_lines(app: DbTuiApp) -> list[str]:
    """The table's visible lines (header first), as plain text without trailing spaces."""
    widget = table(app)
    lines = [
        widget.render_line(y).text.rstrip() for y in range(widget.scrollable_content_region.height)
    ]
    return [line for line in lines if line]


def column_values(app: DbTuiApp, column: int) -> list[str]:
    """The visible cells of one column (by position), stripped (header excluded)."""
    widget = table(app)
    if widget.count_known and widget.row_count == 0:
        return []
    left = sum(c.render_width for c in widget.columns[:column])
    width = widget.columns[column].render_width
    result = []
    for line in table_lines(app)[1:]:
        result.append(line[left : left + width].strip())
    return result


#: One run of text in the SVG of `App.export_screenshot` (Rich's `export_svg`): where it
#: starts (x), how wide it is (textLength), on which terminal line.
_SVG_TEXT = re.compile(
    r'<text class="[^"]*" x="(?P<x>[\d.]+)" y="[\d.]+" textLength="(?P<width>[\d.]+)" '
    r'clip-path="url\(#[\w-]+-line-(?P<line>\d+)\)">(?P<text>.*?)</text>',
    re.DOTALL,
)


def screen_text(app: DbTuiApp) -> str:
    """Everything the terminal shows right now (modals over their screens), as plain text, one
    line per terminal row: read from Textual's public screenshot (`App.export_screenshot`)."""
    width, height = app.size
    cells = [[" "] * width for _ in range(height)]
    for run in _SVG_TEXT.finditer(app.export_screenshot()):
        text = html.unescape(run["text"].replace("&#160;", " "))  # Rich's spaces
        cell_width = float(run["width"]) / max(cell_len(text), 1)
        column, line = round(float(run["x"]) / cell_width), int(run["line"])
        for char in text:
            if line < height and column < width:
                cells[line][column] = char
                for covered in range(column + 1, min(column + cell_len(char), width)):
                    cells[line][covered] = ""  # the second cell of a wide character
            column += cell_len(char)
    return "\n".join("".join(row) for row in cells)


def form(app: DbTuiApp) -> RecordForm:
    assert isinstance(app.screen, FormScreen), app.screen
    return app.screen.query_one(RecordForm)


def fill(app: DbTuiApp, **values: Any) -> None:
    """Set form fields by name as typing would: text goes into the Input / TextArea as it is
    (stored values are shown escaped by `set_values`; typed text is not)."""
    the_form = form(app)
    others = {}
    for name, value in values.items():
        widget = the_form.input_widget(name)
        if isinstance(widget, Input):
            widget.value = value
        elif isinstance(widget, TextArea):
            widget.text = value
        else:
            others[name] = value
    the_form.set_values(others, mark_clean=False)


async def save(app: DbTuiApp, pilot: Pilot) -> None:
    """`ctrl+s`, then wait until the form has finished saving (it may wait on a lock)."""
    await pilot.press("ctrl+s")
    await wait_until(
        pilot,
        lambda: not (isinstance(app.screen, FormScreen) and app.screen.saving),
        "the form to finish saving",
    )
    await settle(app, pilot)


async def pick(app: DbTuiApp, pilot: Pilot, name: str, typed: str) -> None:
    """Type into a picker field, wait for its matches and choose the first one."""
    picker = form(app).input_widget(name)
    assert isinstance(picker, PickerField)
    picker.input.focus()
    picker.input.value = typed
    await wait_until(
        pilot,
        lambda: bool(picker.matches) and picker.has_class("-open"),
        f"matches for {typed!r} in {name}",
    )
    await pilot.press("enter")
    await pilot.pause()


async def add_filter(
    app: DbTuiApp, pilot: Pilot, column: str, *, choice: str | None = None, typed: str | None = None
) -> None:
    """`f`, the column (or many-to-many) `column`, then the yes/no `choice` or the first row
    matching `typed` in its picker; `ctrl+s` applies it."""
    await pilot.press("f")
    await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), "the filter dialog")
    dialog = app.screen
    dialog.query_one("#filter-column", Select).value = column
    await pilot.pause()
    if choice is not None:
        dialog.query_one("#filter-choice", Select).value = {"yes": "0", "no": "1"}[choice]
    if typed is not None:
        picker = dialog.query_one("#filter-picker", PickerField)
        picker.input.focus()
        picker.input.value = typed
        await wait_until(
            pilot, lambda: bool(picker.matches) and picker.has_class("-open"), f"{typed!r}"
        )
        await pilot.press("enter")
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: not isinstance(app.screen, FilterScreen), "the filter")
    await settle(app, pilot)


async def search(app: DbTuiApp, pilot: Pilot, words: str) -> None:
    """`/`, the search words, `enter`; then wait for the rows."""
    await pilot.press("slash")
    await wait_until(
        pilot,
        lambda: isinstance(app.focused, Input) and app.focused.id == "search",
        "the search input",
    )
    app.screen.query_one("#search", Input).value = words
    await pilot.press("enter")
    await settle(app, pilot)


async def run_command(app: DbTuiApp, pilot: Pilot, words: str) -> None:
    """Run the palette command titled `words` (fails when the palette offers none), then wait
    for its work."""
    await run_palette_command(app, pilot, words)
    await settle(app, pilot)


async def confirm(app: DbTuiApp, pilot: Pilot) -> None:
    """Confirm the open dialog deliberately (`tab` to its confirm button, `enter`)."""
    await press_confirm(pilot)
    await settle(app, pilot)


# -- tests common to the three screens -------------------------------------------------------
MARKUP_NAME = "[bold]x[/]"
CLOSING = "[/]"
ESCAPE_TITLE = "Red \x1b[31mALERT[/] [link=http://x]y"


async def _literal_data(manager: SessionManager) -> None:
    user = await add_user(manager, MARKUP_NAME, email="m@example.com", full_name=CLOSING)
    await add_user(manager, "esc\x1b[31m", email="e@example.com", full_name="a\x1b[0mb\x00c")
    await add_post(manager, user, ESCAPE_TITLE, slug="red-alert", tags=["[i]t"])


async def test_markup_and_control_characters_are_shown_literally() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _literal_data(manager)
    async with running(settings) as (app, pilot):
        lines = "\n".join(table_lines(app))
        assert MARKUP_NAME in lines and CLOSING in lines
        assert "esc\\x1b[31m" in lines and "a\\x1b[0mb\\x00c" in lines
        assert "\x1b" not in lines
        await pilot.press("enter")  # the form shows the values too
        await settle(app, pilot)
        assert form(app).values()["username"] == MARKUP_NAME
        assert MARKUP_NAME in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)

        await pilot.press("2")
        await settle(app, pilot)
        lines = "\n".join(table_lines(app))
        assert "Red \\x1b[31mALERT[/] [link=http://x]y" in lines
        assert "[i]t" in lines and MARKUP_NAME in lines
        await pilot.press("d")  # the delete confirmation quotes the title literally
        await settle(app, pilot)
        assert "Red \\x1b[31mALERT[/]" in screen_text(app)
        await confirm(app, pilot)  # the toast quotes it literally too (no MarkupError)
        deleted = "Deleted post Red \\x1b[31mALERT[/] [link=http://x]y"
        assert deleted in notifications(app)
        assert deleted in screen_text(app)
        await pilot.press("3")
        await settle(app, pilot)
        assert "[i]t" in "\n".join(table_lines(app))
        await pilot.press("enter")  # rename the tag to another markup-like name
        await settle(app, pilot)
        fill(app, name="[/]")
        await save(app, pilot)
        assert "Saved tag [/]" in notifications(app)
        assert "Saved tag [/]" in screen_text(app)
        assert column_values(app, 1) == ["[/]"]
        assert app.is_running


async def _export(app: DbTuiApp, pilot: Pilot, path: str) -> None:
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, ExportScreen)
    app.screen.query_one("#answer", Input).value = path
    await pilot.press("enter")
    await settle(app, pilot)


async def test_export_writes_the_current_view_as_csv_and_json() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        ids = await add_users(manager, [f"user{n:02d}" for n in range(30)])
        await add_user(manager, 'zed,"quoted"', email="z@example.com", full_name=MARKUP_NAME)
        await add_user(manager, "gone", deleted_at=BASE_TIME)
        for n in range(3):
            await add_post(manager, ids[0], f"Post {n}", published=n != 1, tags=["a", "b"][:n])
    async with running(settings) as (app, pilot):
        await search(app, pilot, "e")  # user.., zed, not gone (trash)
        await pilot.press("right", "s", "s")  # username, descending
        await settle(app, pilot)
        await _export(app, pilot, "users.csv")
        with open("users.csv", newline="", encoding="utf-8") as handle:
            exported = list(csv.reader(handle))
        expected = await rows(
            manager_for(app),
            "select id, username, email, full_name, status from users "
            "where deleted_at is null and (username like '%e%' or email like '%e%' "
            "or full_name like '%e%') order by username desc",
        )
        assert exported[0][:5] == ["id", "username", "email", "full_name", "status"]
        assert [tuple(r[:5]) for r in exported[1:]] == [
            (str(i), u, e, f or "", s) for i, u, e, f, s in expected
        ]
        assert exported[1][1] == 'zed,"quoted"' and exported[1][3] == MARKUP_NAME
        assert any("Exported 31 rows of Users" in n for n in notifications(app))

        await pilot.press("2")
        await settle(app, pilot)
        await add_filter(app, pilot, "is_published", choice="yes")
        await _export(app, pilot, "posts.json")
        data = json.loads(Path("posts.json").read_text(encoding="utf-8"))
        assert [(p["title"], p["is_published"], p["tags"]) for p in data] == [
            ("Post 0", True, ""),
            ("Post 2", True, "a, b"),
        ]
        # a foreign key is exported as stored (the screen shows "user00 (1)")
        assert data[0]["author_id"] == ids[0] and data[0]["created_at"].startswith("2024-01-02")


async def test_export_streams_every_page_in_the_view_order() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        names = [f"u{n:04d}" for n in range(2_500)]
        await add_users(manager, names[::2], full_name="Same Name")
        await add_users(manager, names[1::2])  # no full name: after the names, by id
    async with running(settings) as (app, pilot):
        await pilot.press("right", "right", "right", "s", "s")  # full name, descending
        await settle(app, pilot)
        await _export(app, pilot, "all.csv")
        with open("all.csv", newline="", encoding="utf-8") as handle:
            exported = [int(row[0]) for row in list(csv.reader(handle))[1:]]
        expected = [
            i
            for (i,) in await rows(
                app.manager,
                "select id from users order by full_name is not null, full_name desc, id desc",
            )
        ]
        assert len(exported) == 2_500 and exported == expected
        assert not list(Path().glob(".*.part"))


def manager_for(app: DbTuiApp) -> SessionManager:
    return app.manager


async def test_export_path_is_checked_before_writing() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["a"])
    async with running(settings) as (app, pilot):
        await pilot.press("e")
        await pilot.pause()
        answer = app.screen.query_one("#answer", Input)
        answer.value = "users.txt"
        await pilot.press("enter")
        await pilot.pause()
        assert "must end in .csv or .json" in screen_text(app)
        answer.value = "missing/users.csv"
        await pilot.press("enter")
        await pilot.pause()
        assert "folder does not exist" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert not list(Path().glob("*.csv")) and app.is_running


async def test_palette_lists_screens_and_actions_and_help_lists_bindings() -> None:
    settings = local_sqlite()
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            "Users",
            "Posts",
            "Tags",
            "Migrations",
            "Settings",
            "Seed demo data",
            "Messages",
        ):
            assert title in titles
        assert {"New user (Users)", "Trash of Users", "Posts (Users)"} <= set(titles)
        await run_command(app, pilot, "New user (Users)")
        assert isinstance(app.screen, FormScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {keys for keys, _description, _where in app.screen.rows}
        for key in ("n", "d", "/", "f", "r", "t", "e", "s", "y", "p"):
            assert any(key in keys.split(" / ") for keys in described), key


async def test_a_database_error_never_closes_the_app() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["alice", "bob"])
    async with running(settings) as (app, pilot):
        async with app.manager.session() as session:
            await session.execute(text("alter table user_profiles rename to profiles_away"))
        await pilot.press("d")  # reading the user's profile fails: reported, nothing asked
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert "no such table: user_profiles" in notifications(app)
        async with app.manager.session() as session:
            await session.execute(text("alter table profiles_away rename to user_profiles"))
            await session.execute(text("alter table users rename to users_away"))
        await pilot.press("r")
        await settle(app, pilot)
        assert app.is_running
        assert any("no such table: users" in n for n in notifications(app)), notifications(app)
        await pilot.press("n")  # a write fails with a message at the form, nothing crashes
        await settle(app, pilot)
        fill(app, username="carol", email="carol@example.com", password="long-enough")
        await save(app, pilot)
        assert isinstance(app.screen, FormScreen) and "users" in screen_text(app)
        await pilot.press("escape")  # the typed values are unsaved: asks before losing them
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen), screen_text(app)
        await confirm(app, pilot)
        assert not isinstance(app.screen, FormScreen | ConfirmScreen), screen_text(app)
        async with app.manager.session() as session:
            await session.execute(text("alter table users_away rename to users"))
        await pilot.press("r")
        await settle(app, pilot)
        assert app.is_running and "alice" in "\n".join(table_lines(app))


# -- the same flows on PostgreSQL ------------------------------------------------------------
@pytest.mark.postgres
async def test_core_crud_flows_on_postgresql(pg_database: str) -> None:
    """Development environment pointed at a real PostgreSQL database (writable)."""
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg_database}"
    settings = load_settings(None, {"DATABASE_URL": url}, environ={})
    assert not settings.is_sqlite
    async with database(settings) as manager:
        author = await add_user(manager, "ann", profile={"bio": "hi"})
        await add_post(manager, author, "Existing post", content="Elephants", tags=["zoo"])
    async with running(settings) as (app, pilot):
        assert "postgresql" in screen_text(app)
        await pilot.press("n")
        await settle(app, pilot)
        fill(app, username="bob", email="bob@example.com", password="long-enough", bio="b")
        await save(app, pilot)
        assert column_values(app, 1) == ["ann", "bob"]
        await pilot.press("j", "enter")
        await settle(app, pilot)
        fill(app, full_name="Bob [b]Builder[/b]", email="ann@example.com")
        await save(app, pilot)  # duplicate email: unique check, nothing written
        assert form(app).errors() == {"email": "already used by another user"}
        fill(app, email="bob@example.org", full_name="Bob Nul\x00")  # NUL: never sent
        await save(app, pilot)
        assert "NUL" in form(app).errors()["full_name"]
        fill(app, full_name="Bob [b]Builder[/b]")
        await save(app, pilot)
        assert "Bob [b]Builder[/b]" in column_values(app, 3)
        await pilot.press("g", "d")
        await settle(app, pilot)
        await confirm(app, pilot)  # ann to the trash
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        assert "deletes 1 post, 1 profile" in screen_text(app)
        await confirm(app, pilot)
        assert await rows(manager, "select username, email from users") == [
            ("bob", "bob@example.org")
        ]
        assert await scalar(manager, "select count(*) from posts") == 0

        await pilot.press("t", "2")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        fill(app, title="Graphs on Postgres", content="Vertices and edges")
        await pick(app, pilot, "author_id", "bo")
        tags = form(app).input_widget("tags")
        tags.set_tags(["db", "zoo"])
        await save(app, pilot)
        await search(app, pilot, "vertices")
        assert column_values(app, 1) == ["Graphs on Postgres"]
        assert column_values(app, 2) == ["graphs-on-postgres"]

        await pilot.press("3")
        await settle(app, pilot)
        assert column_values(app, 1) == ["zoo", "db"]
        await pilot.press("enter")
        await settle(app, pilot)
        fill(app, name="db")
        await save(app, pilot)
        assert form(app).errors() == {"name": "already taken"}
        fill(app, name="animals")
        await save(app, pilot)
        assert await rows(manager, "select name from tags order by id") == [("animals",), ("db",)]


@pytest.mark.postgres
async def test_production_is_read_only_and_deletes_ask_for_the_environment_name(
    pg_database: str,
) -> None:
    settings = pg_settings(pg_database)
    async with database(settings) as manager:
        await add_users(manager, ["ann", "ben"])
    async with running(settings) as (app, pilot):
        assert app.manager.read_only
        read_only = "Production is read-only. Unlock writes in Settings (5) first."
        for key in ("n", "d"):
            await pilot.press(key)
            await settle(app, pilot)
            assert not isinstance(app.screen, (FormScreen, ConfirmScreen)), key
            assert read_only in notifications(app)
        await pilot.press("enter")  # viewing works; saving says why it cannot
        await settle(app, pilot)
        assert "user ann (read-only)" in screen_text(app)
        fill(app, full_name="Refused")
        await save(app, pilot)
        assert "read-only: unlock writes in Settings (5)" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        await confirm(app, pilot)  # discard the edit
        assert await scalar(manager, "select count(*) from users where full_name is null") == 2

        app.manager.unlock()  # as Settings does after the environment name was typed
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, TypeToConfirmScreen)
        answer = app.screen.query_one("#answer", Input)
        answer.value = "prod"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, TypeToConfirmScreen)  # the exact name is needed
        assert await scalar(manager, "select count(*) from users where deleted_at is null") == 2
        answer.value = "production"
        await pilot.press("enter")
        await settle(app, pilot)
        assert await rows(manager, "select username from users where deleted_at is null") == [
            ("ben",)
        ]
        assert column_values(app, 1) == ["ben"]


async def test_empty_database_invites_to_seed_and_copy_cell() -> None:
    settings = local_sqlite()
    async with database(settings):
        pass
    async with running(settings) as (app, pilot):
        assert "No users yet. Press n to create one" in screen_text(app)
        await run_command(app, pilot, "Seed demo")
        assert "Add 50 users, 500 posts and 30 tags" in screen_text(app)
        await confirm(app, pilot)
        await settle(app, pilot)
        live = await scalar(app.manager, "select count(*) from users where deleted_at is null")
        assert await scalar(app.manager, "select count(*) from users") == 50
        assert table(app).position_text == f"row 1 of {live}"  # a few seeded users are trashed
        assert "No users yet" not in screen_text(app)
        await pilot.press("right", "y")
        await pilot.pause()
        first = await scalar(
            app.manager, "select username from users where deleted_at is null order by id limit 1"
        )
        assert app.clipboard == first

        await search(app, pilot, "no-such-user-anywhere")
        assert "No rows match: the search “no-such-user-anywhere” (escape clears it)." in (
            screen_text(app)
        )
        await pilot.press("escape")
        await settle(app, pilot)
        assert "No rows match" not in screen_text(app)
