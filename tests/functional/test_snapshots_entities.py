"""SVG snapshots of the Users, Posts and Tags screens, a form with errors and a delete
confirmation (update with `pytest --snapshot-update`, then look at the SVGs).

The data is fixed (values and timestamps) and the SQLite path is relative, so the screens do
not depend on the day or on the temporary folder the test runs in.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from tests.functional.test_screen_common import (
    BASE_TIME,
    add_post,
    add_tags,
    add_user,
    database,
    fill,
    local_sqlite,
    settle,
)
from tui.app import DbTuiApp, make_app
from tui.models import UserStatus

TERMINAL = (140, 40)


async def _fill() -> None:
    async with database(local_sqlite()) as manager:
        ann = await add_user(
            manager, "ann", full_name="Ann Author", profile={"bio": "Writes a lot"}
        )
        ben = await add_user(
            manager,
            "ben",
            full_name="Ben [bold]Markup[/]",
            status=UserStatus.INACTIVE,
            start=BASE_TIME + timedelta(days=1),
        )
        await add_user(
            manager,
            "cleo",
            email="cleo.with.a.rather.long.address@example.com",
            status=UserStatus.SUSPENDED,
            start=BASE_TIME + timedelta(days=2),
        )
        await add_user(manager, "dan\x1b[31m", start=BASE_TIME + timedelta(days=3))
        await add_tags(manager, ["python", "databases", "textual", "unused"])
        titles = [
            ("Keyset paging in practice", ann, True, ["databases", "python"]),
            ("Why OFFSET gets slow", ann, True, ["databases"]),
            ("A [link=http://x]terminal[/link] UI", ben, False, ["textual", "python"]),
            ("Draft: notes on FTS5 and tsvector for full-text search", ben, False, []),
        ]
        for n, (title, author, published, tags) in enumerate(titles):
            await add_post(
                manager,
                author,
                title,
                slug=f"post-{n + 1}",
                published=published,
                tags=tags,
                created=BASE_TIME + timedelta(hours=n),
            )


def _app(mode: str) -> DbTuiApp:
    asyncio.run(_fill())
    return make_app(local_sqlite(), initial_mode=mode)


async def _loaded(pilot: Any) -> None:
    await settle(pilot.app, pilot)


def test_users_screen(snap_compare: Any) -> None:
    assert snap_compare(_app("users"), run_before=_loaded, terminal_size=TERMINAL)


def test_posts_screen(snap_compare: Any) -> None:
    assert snap_compare(_app("posts"), run_before=_loaded, terminal_size=TERMINAL)


def test_tags_screen(snap_compare: Any) -> None:
    assert snap_compare(_app("tags"), run_before=_loaded, terminal_size=TERMINAL)


def test_user_form_with_errors(snap_compare: Any) -> None:
    app = _app("users")

    async def run_before(pilot: Any) -> None:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        fill(app, username="ann", email="not-an-email", full_name="[b]Bold?[/b]", password="x")
        await pilot.press("ctrl+s")
        await settle(app, pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=TERMINAL)


def test_permanent_delete_confirmation(snap_compare: Any) -> None:
    app = _app("users")

    async def run_before(pilot: Any) -> None:
        await settle(app, pilot)
        await pilot.press("d", "tab", "enter")  # ann to the trash
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.press("t")
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)

    assert snap_compare(app, run_before=run_before, terminal_size=TERMINAL)
