"""A foreign key's cells show the label of the row they reference, on both backends: the
demo's posts (``ann (1)``, sorted by that label, a key whose row is missing said so, and on
SQLite kept in the label sort), the fixture application's orders with models and reflected
(a short code with its key, a UUID by its unique label alone); copy keeps the stored key
(the export's test is in test_screen_common); new-row forms say what a server default gives
and are titled by the row's singular name."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import text

from tests.functional.pilot_waits import notifications, wait_until
from tests.functional.test_browse_app import browsing, open_table, query, rows_loaded
from tests.functional.test_screen_common import (
    add_post,
    add_user,
    column_values,
    database,
    fill,
    form,
    pick,
    rows,
    running,
    save,
    screen_text,
    settle,
    table,
)
from tests.functional.test_screen_posts import blog_settings  # noqa: F401 (a fixture)
from tui.config import Settings
from tui.screens.modals import FormScreen

MISSING_AUTHOR = 999


async def _dangling_post(settings: Settings, manager) -> None:  # type: ignore[no-untyped-def]
    """A post whose author does not exist: written past the foreign key, as a database without
    enforced references (or another program) leaves it."""
    insert = (
        "insert into posts (title, slug, content, is_published, author_id, version) "
        f"values ('Orphan', 'orphan', '', false, {MISSING_AUTHOR}, 1)"
    )
    if settings.url().get_backend_name() == "sqlite":
        with sqlite3.connect(settings.SQLITE_DATABASE) as conn:  # foreign keys off by default
            conn.execute(insert.replace("false", "0"))
        return
    async with manager.session() as session:  # the referential triggers do not fire
        await session.execute(text("set local session_replication_role = replica"))
        await session.execute(text(insert))


async def test_posts_show_their_authors_name_sorted_by_it_and_a_missing_one(
    blog_settings: Settings,  # noqa: F811
) -> None:
    async with database(blog_settings) as manager:
        ann = await add_user(manager, "ann")
        ben = await add_user(manager, "ben")
        await add_post(manager, ben, "Bees")
        await add_post(manager, ann, "Ants")
        await _dangling_post(blog_settings, manager)
    async with running(blog_settings, "posts") as (app, pilot):
        assert column_values(app, 1) == ["Bees", "Ants", "Orphan"]
        shown = [f"ben ({ben})", f"ann ({ann})", f"{MISSING_AUTHOR} (missing)"]
        assert column_values(app, 3) == shown
        assert "author" not in table(app).columns[4].label.lower()  # no second author column

        await pilot.press("right", "right", "right", "s")  # by the author's name
        await settle(app, pilot)
        # SQLite: a key no connection enforced stays in the list, last (a NULL label);
        # PostgreSQL enforces the key, so the sort does not look for one written past it.
        sqlite = blog_settings.url().get_backend_name() == "sqlite"
        if sqlite:
            assert column_values(app, 1) == ["Ants", "Bees", "Orphan"]
            assert table(app).row_count == 3
        else:
            assert column_values(app, 1)[:2] == ["Ants", "Bees"]
        assert "sort Author (username) ↑" in screen_text(app)
        await pilot.press("s")
        await settle(app, pilot)
        orphan = ["Orphan"] if sqlite else []
        assert column_values(app, 1)[: 2 + len(orphan)] == [*orphan, "Bees", "Ants"]

        await pilot.press(*(["down"] if sqlite else []), "y")  # Bees: the stored key is copied
        await wait_until(
            pilot, lambda: f"Copied Author: '{ben}'" in notifications(app), "the copy toast"
        )


async def test_a_new_post_is_titled_as_one_and_its_author_shown_after_saving(
    blog_settings: Settings,  # noqa: F811
) -> None:
    async with database(blog_settings) as manager:
        ann = await add_user(manager, "ann")
    async with running(blog_settings, "posts") as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        text_now = screen_text(app)
        assert "New post" in text_now and "New row in" not in text_now
        assert "DEFAULT" not in text_now  # content and published start plain, as typed
        fill(app, title="Hello")
        await pick(app, pilot, "author_id", "an")
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen), screen_text(app)
        assert "Added post Hello" in notifications(app)
        assert await rows(manager, "select title, content, is_published, author_id from posts") == [
            ("Hello", "", False, ann)
        ]
        await wait_until(pilot, lambda: column_values(app, 3) == [f"ann ({ann})"], "the post")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Edit post Hello" in screen_text(app)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("kind", ["models", "reflect"])
async def test_any_tables_foreign_keys_show_labels(
    backend: str, kind: str, fixture_database: Callable[[str], str]
) -> None:
    """The fixture's orders: ``France (FR)`` for a short code, the customer's email alone for
    a UUID key (the email is unique); a new order's form says what its defaults give."""
    url = fixture_database(backend)
    expected = query(
        url,
        'select c.name, o.ship_to, u.email from "order" o join countries c on c.code = o.ship_to '
        'join "user" u on u.id = o.customer_id order by o.id',
    )
    async with browsing(url, kind) as (app, pilot):
        await open_table(app, pilot, "order")
        shown = screen_text(app)
        for name, code, email in expected:
            assert f"{name} ({code})" in shown and email in shown
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), "the form")
        await settle(app, pilot)
        shown = screen_text(app)
        assert "New order" in shown and "(next number)" in shown
        assert "database default: pending" in shown or "database default: 'pending'" in shown
        assert "DEFAULT" not in shown
        form(app)  # the form is on screen
        await pilot.press("escape")
        await rows_loaded(app, pilot)
