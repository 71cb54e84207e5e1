"""RecordForm and FormScreen driven through a pilot, saving into a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

from tests.functional.test_widget_modals import press_confirm
from tui.fields import FormField
from tui.message_history import RemembersMessages
from tui.screens.modals import (
    ConfirmScreen,
    ConflictScreen,
    FormConflict,
    FormErrors,
    FormScreen,
)
from tui.widgets.record_form import PickerField, RecordForm, TagsField


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "form.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL,
                                email TEXT, status TEXT, bio TEXT, published INTEGER,
                                author_id INTEGER, tags TEXT);
            CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
            INSERT INTO users (username, email) VALUES ('alice', 'alice@example.com'),
                ('alina', 'alina@example.com'), ('bob', 'bob@example.com');
            INSERT INTO tags (name) VALUES ('python'), ('pytest'), ('rust');
            """
        )
    return path


def make_fields(db: Path) -> list[FormField]:
    async def search_users(text: str) -> list[tuple[int, str]]:
        async with aiosqlite.connect(db) as conn:
            cursor = await conn.execute(
                "SELECT id, username FROM users WHERE username LIKE ? ORDER BY username LIMIT 10",
                (f"%{text}%",),
            )
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    async def search_tags(text: str) -> list[tuple[int, str]]:
        async with aiosqlite.connect(db) as conn:
            cursor = await conn.execute(
                "SELECT id, name FROM tags WHERE name LIKE ? ORDER BY name LIMIT 10",
                (f"{text}%",),
            )
            return [(row[0], row[1]) for row in await cursor.fetchall()]

    return [
        FormField("username", "Username", required=True, max_length=50),
        FormField("email", "Email", placeholder="name@example.com"),
        FormField("full_name", "Full name", blank_is_none=True),
        FormField("password", "Password", kind="password"),
        FormField(
            "status",
            "Status",
            kind="select",
            required=True,
            options=[("Active", "active"), ("Inactive", "inactive"), ("[b]Suspended", "suspended")],
        ),
        FormField("bio", "Bio", kind="textarea"),
        FormField("published", "Published", kind="switch"),
        FormField("author_id", "Author", kind="picker", search=search_users),
        FormField("tags", "Tags", kind="tags", search=search_tags),
    ]


class FormApp(RemembersMessages[None]):
    """Opens a FormScreen on start and records what it dismissed with; keeps the messages it
    notified (`messages`), as dbtui does."""

    def __init__(self, screen_factory: Any) -> None:
        super().__init__()
        self.screen_factory = screen_factory
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Label("base")

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory(), self.results.append)


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_for(pilot: Any, condition: Any) -> None:
    """Pause until `condition()` holds (for moments when a worker is waiting on a modal)."""
    for _ in range(200):
        await pilot.pause()
        if condition():
            return
    raise AssertionError("condition never held")


def field_of(widget: Any) -> str:
    """The field name a focused widget belongs to."""
    for node in widget.ancestors_with_self:
        if node.id and node.id.startswith("input-"):
            return node.id.removeprefix("input-")
    raise AssertionError(f"{widget!r} is not in a field")


async def test_first_field_focused_and_tab_follows_field_order(db: Path) -> None:
    fields = make_fields(db)
    app = FormApp(lambda: FormScreen("New user", fields))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        order = [field_of(app.focused)]
        for _ in range(len(fields) - 1):
            await pilot.press("tab")
            order.append(field_of(app.focused))
        assert order == [field.name for field in fields]


async def test_values_round_trip(db: Path) -> None:
    fields = make_fields(db)
    values = {
        "username": "[bold]x[/]",
        "email": "x@example.com",
        "full_name": None,
        "password": "",
        "status": "inactive",
        "bio": "line one\nline two",
        "published": True,
        "author_id": (2, "alina"),
        "tags": ["python", "new tag"],
    }
    app = FormApp(lambda: FormScreen("Edit", fields, values))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(RecordForm)
        got = form.values()
        assert got == {**values, "author_id": 2}
        assert not form.is_dirty
        assert form.query_one("#input-username", Input).value == "[bold]x[/]"
        assert form.query_one("#input-author_id", PickerField).input.value == "alina"
        form.query_one("#input-published", Switch).value = False
        assert form.is_dirty
        form.set_values({"published": True})
        assert not form.is_dirty


async def test_errors_show_under_their_field_and_clear(db: Path) -> None:
    app = FormApp(lambda: FormScreen("New user", make_fields(db)))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(RecordForm)
        form.set_errors({"email": "[red]not an email[/]", "other": "database said no"})
        await pilot.pause()
        container = form.query_one("#field-email")
        error = container.query_one(".field-error", Static)
        entry = form.query_one("#input-email", Input)
        assert str(error.content) == "[red]not an email[/]"
        assert error.region.y == entry.region.bottom  # right under the field
        assert form.errors() == {"email": "[red]not an email[/]"}
        assert "other: database said no" in str(form.query_one(".form-error", Static).content)
        assert field_of(app.focused) == "email"
        form.set_errors({"username": "taken"})
        await pilot.pause()
        assert form.errors() == {"username": "taken"}
        assert not form.query_one("#field-email").has_class("-invalid")


async def test_save_through_sqlite_keeps_typed_values_on_error(db: Path) -> None:
    async def save(values: dict[str, Any]) -> int:
        try:
            async with aiosqlite.connect(db) as conn:
                cursor = await conn.execute(
                    "INSERT INTO users (username, email, status) VALUES (?, ?, ?)",
                    (values["username"], values["email"], values["status"]),
                )
                await conn.commit()
                return cursor.lastrowid or 0
        except sqlite3.IntegrityError as error:
            raise FormErrors({"username": "This username is taken"}) from error

    app = FormApp(lambda: FormScreen("New user", make_fields(db), save=save))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(RecordForm)
        await pilot.press("ctrl+s")  # required field empty: no write
        await settle(pilot)
        assert form.errors() == {"username": "Username is required"}
        await pilot.press(*"alice", "tab", *"a2@example.com", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert form.errors() == {"username": "This username is taken"}
        assert form.values()["email"] == "a2@example.com"  # what was typed stays
        assert form.values()["username"] == "alice"
        await pilot.press("end", *"2", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT id, email, status FROM users WHERE username = 'alice2'"
            ).fetchone()
        assert row is not None and app.results == [row[0]]
        assert row[1:] == ("a2@example.com", "active")


async def test_unexpected_save_error_is_shown_and_form_stays(db: Path) -> None:
    async def save(values: dict[str, Any]) -> None:
        async with aiosqlite.connect(db) as conn:
            await conn.execute("INSERT INTO missing_table VALUES (1)")

    app = FormApp(lambda: FormScreen("New user", make_fields(db), save=save))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press(*"zed", "ctrl+s")
        await settle(pilot)
        form = app.screen.query_one(RecordForm)
        assert "no such table" in str(form.query_one(".form-error", Static).content)
        assert form.values()["username"] == "zed"


async def test_escape_asks_only_when_dirty(db: Path) -> None:
    app = FormApp(lambda: FormScreen("New user", make_fields(db)))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press(*"bob2", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one(RecordForm).values()["username"] == "bob2"
        await pilot.press("escape")
        await pilot.pause()
        await press_confirm(pilot)  # "Discard" is destructive: tab to it, then enter
        await pilot.pause()
        assert app.results == [None]
    clean = FormApp(lambda: FormScreen("Edit", make_fields(db), {"username": "bob"}))
    async with clean.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert clean.results == [None]


async def test_picker_searches_and_picks(db: Path) -> None:
    app = FormApp(lambda: FormScreen("Post", make_fields(db)))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(RecordForm)
        picker = form.query_one("#input-author_id", PickerField)
        picker.input.focus()
        await pilot.press(*"ali")
        await settle(pilot)
        assert [label for _, label in picker.matches] == ["alice", "alina"]
        assert picker.has_class("-open")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert picker.value == 2 and picker.input.value == "alina"
        assert not picker.has_class("-open")
        assert isinstance(app.screen, FormScreen)  # enter picked, nothing else
        await pilot.press("backspace")
        await settle(pilot)
        assert picker.value is None  # edited text is no longer a choice
        assert picker.has_class("-open"), picker.matches
        await pilot.press("escape")  # closes the list first
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)


async def test_tags_complete_add_and_remove(db: Path) -> None:
    app = FormApp(lambda: FormScreen("Post", make_fields(db)))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(RecordForm)
        tags = form.query_one("#input-tags", TagsField)
        tags.input.focus()
        await pilot.press(*"pyte")
        await settle(pilot)
        assert tags.choices == ["pytest", 'create "pyte" as a new tag']
        await pilot.press("enter")  # the highlighted match, not the typed prefix
        await pilot.press(*"brand new,", *"rust", "enter")  # enter before the matches: a tag
        await settle(pilot)
        assert tags.tags == ["pytest", "brand new", "rust"]
        await pilot.press("backspace")
        assert tags.tags == ["pytest", "brand new"]
        await pilot.press(*"PYTEST", "enter")  # duplicates ignored
        await settle(pilot)
        await pilot.press(*"pending")  # typed, not added: no tag, and a save says so
        assert form.values()["tags"] == ["pytest", "brand new"]
        assert "“pending” is not added" in form.pending_errors()["tags"]
        assert form.is_dirty


async def test_tags_enter_takes_the_highlighted_match_and_a_new_tag_needs_its_entry(
    db: Path,
) -> None:
    app = FormApp(lambda: FormScreen("Post", make_fields(db)))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        tags = app.screen.query_one("#input-tags", TagsField)
        tags.input.focus()
        await pilot.press(*"py")
        await settle(pilot)
        assert tags.choices == ["pytest", "python", 'create "py" as a new tag']
        await pilot.press("down", "enter")  # move the highlight, take it
        await pilot.pause()
        assert tags.tags == ["python"] and tags.input.value == "" and tags.choices == []

        await pilot.press(*"ru")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # the last entry creates the typed name
        await pilot.pause()
        assert tags.tags == ["python", "ru"]

        await pilot.press(*"zig")  # nothing matches: no list, enter creates it
        await settle(pilot)
        assert tags.choices == []
        await pilot.press("enter")
        assert tags.tags == ["python", "ru", "zig"]

        await pilot.press(*"pyt", "enter")  # enter before the matches: a prefix adds nothing
        await settle(pilot)
        assert tags.tags == ["python", "ru", "zig"]
        assert tags.choices == ["pytest", "python", 'create "pyt" as a new tag']
        await pilot.press("escape")  # closes the list, not the form
        await pilot.pause()
        assert tags.choices == [] and isinstance(app.screen, FormScreen)
        await pilot.press("enter")  # shows the list again, still adds nothing unseen
        await pilot.pause()
        assert tags.tags == ["python", "ru", "zig"] and tags.choices
        await pilot.press("enter")
        await pilot.pause()
        assert tags.tags == ["python", "ru", "zig", "pytest"]


async def test_select_and_textarea_values(db: Path) -> None:
    app = FormApp(lambda: FormScreen("User", make_fields(db)))
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        form = app.screen.query_one(RecordForm)
        assert form.values()["status"] == "active"  # required select: first option
        form.query_one("#input-status", Select).value = "suspended"
        area = form.query_one("#input-bio", TextArea)
        area.focus()
        await pilot.press(*"hi", "enter", *"[/]")
        values = form.values()
        assert values["status"] == "suspended"
        assert values["bio"] == "hi\n[/]"
        assert values["full_name"] is None  # blank_is_none


class VersionedUser:
    """Save callbacks over a real SQLite row with an optimistic-locking `version` column."""

    def __init__(self, db: Path) -> None:
        self.db = db
        with sqlite3.connect(db) as conn:
            conn.execute("ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
        self.expected_version = 1

    def read(self) -> dict[str, Any]:
        with sqlite3.connect(self.db) as conn:
            username, email, version = conn.execute(
                "SELECT username, email, version FROM users WHERE id = 1"
            ).fetchone()
        return {"username": username, "email": email, "version": version}

    async def _update(self, values: dict[str, Any], version: int | None) -> int:
        async with aiosqlite.connect(self.db) as conn:
            cursor = await conn.execute(
                "UPDATE users SET username = ?, email = ?, version = version + 1 "
                "WHERE id = 1 AND (? IS NULL OR version = ?)",
                (values["username"], values["email"], version, version),
            )
            await conn.commit()
            return cursor.rowcount

    async def save(self, values: dict[str, Any]) -> str:
        if await self._update(values, self.expected_version) == 1:
            return "saved"
        theirs = self.read()

        async def overwrite() -> str:
            await self._update(values, None)
            return "overwritten"

        def reload() -> None:
            self.expected_version = theirs["version"]

        raise FormConflict(theirs, overwrite=overwrite, reload=reload)


CONFLICT_FIELDS = [FormField("username", "Username"), FormField("email", "Email")]


async def test_conflict_keep_editing_then_overwrite(db: Path) -> None:
    user = VersionedUser(db)
    app = FormApp(lambda: FormScreen("Edit", CONFLICT_FIELDS, user.read(), save=user.save))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        with sqlite3.connect(db) as conn:  # a second session changes the row meanwhile
            conn.execute("UPDATE users SET email = 'other@example.com', version = 2 WHERE id = 1")
        await pilot.press("tab", "ctrl+u", *"mine@example.com", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        conflict = app.screen
        assert isinstance(conflict, ConflictScreen)
        assert conflict.differing_fields == ["email"]
        await pilot.press("e")  # keep editing: nothing written
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one(RecordForm).values()["email"] == "mine@example.com"
        assert user.read()["email"] == "other@example.com"
        await pilot.press("ctrl+s")  # still stale: asks again
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.press("o")
        await settle(pilot)
        assert app.results == ["overwritten"]
        assert user.read()["email"] == "mine@example.com"


async def test_conflict_reload_takes_the_database_version(db: Path) -> None:
    user = VersionedUser(db)
    app = FormApp(lambda: FormScreen("Edit", CONFLICT_FIELDS, user.read(), save=user.save))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE users SET email = 'other@example.com', version = 2 WHERE id = 1")
        await pilot.press("tab", "ctrl+u", *"mine@example.com", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.press("r")
        await settle(pilot)
        form = app.screen.query_one(RecordForm)
        assert form.values()["email"] == "other@example.com"
        assert not form.is_dirty
        await pilot.press("shift+tab", "end", *"2", "ctrl+s")
        await settle(pilot)
        assert app.results == ["saved"]
        assert user.read() == {"username": "alice2", "email": "other@example.com", "version": 3}


async def test_select_accepts_enum_members(db: Path) -> None:
    from enum import StrEnum

    class Status(StrEnum):
        ACTIVE = "active"
        INACTIVE = "inactive"

    fields = [
        FormField(
            "status",
            "Status",
            kind="select",
            required=True,
            options=[("A", "active"), ("I", "inactive")],
        ),
        FormField("kind", "Kind", kind="select", options=[("A", Status.ACTIVE)]),
    ]
    app = FormApp(lambda: FormScreen("x", fields, {"status": Status.INACTIVE, "kind": "nonsense"}))
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.screen.query_one(RecordForm).values() == {"status": "inactive", "kind": None}
