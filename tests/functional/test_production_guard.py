"""Production opens read-only; the data layer refuses writes until unlocked from Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from tests.conftest import pg_settings
from tests.functional import test_screen_common as common
from tests.functional.pilot_waits import run_palette_command, wait_for_screen
from tests.functional.test_repo_support import insert_user
from tests.functional.test_settings_screen import (
    prepare,
    screen_text,
    settings_app,
    settle,
    status,
)
from tui.app import DbTuiApp
from tui.db.errors import ReadOnlyError
from tui.models import User
from tui.screens.modals import TypeToConfirmScreen

pytestmark = pytest.mark.postgres


@pytest.fixture
async def production(pg_database: str, tmp_path: Path) -> AsyncIterator[DbTuiApp]:
    settings = pg_settings(pg_database)
    await prepare(settings, "existing_user")
    async with settings_app(settings, tmp_path / ".env") as (app, pilot):
        app.pilot = pilot  # type: ignore[attr-defined]
        yield app


async def create_user(app: DbTuiApp, username: str) -> None:
    async with app.manager.session() as session:
        await insert_user(session, username)


async def user_count(app: DbTuiApp) -> int:
    async with app.manager.session() as session:
        return (await session.execute(select(func.count()).select_from(User))).scalar_one()


async def answer_unlock(app: DbTuiApp, word: str) -> None:
    pilot = app.pilot  # type: ignore[attr-defined]
    await wait_for_screen(app, pilot, TypeToConfirmScreen)
    app.screen.query_one("#answer", Input).value = word
    await pilot.press("enter")
    await pilot.pause()


async def test_read_only_on_every_screen(production: DbTuiApp) -> None:
    app, pilot = production, production.pilot  # type: ignore[attr-defined]
    assert app.manager.read_only
    for key in "12345":
        await pilot.press(key)
        await settle(app, pilot)
        text = screen_text(app)
        assert "PRODUCTION" in text and "read-only" in text, key
        with pytest.raises(ReadOnlyError):
            await create_user(app, f"refused_{key}")
    assert await user_count(app) == 1


async def test_unlock_needs_the_environment_name_and_lasts_for_the_run(
    production: DbTuiApp,
) -> None:
    app, pilot = production, production.pilot  # type: ignore[attr-defined]
    assert app.screen.query_one("#settings-unlock", Button).display

    await pilot.click("#settings-unlock")
    await answer_unlock(app, "prod")  # wrong word: the dialog stays open
    assert isinstance(app.screen, TypeToConfirmScreen)
    await pilot.press("escape")
    await pilot.pause()
    assert app.manager.read_only and status(app) == "Still read-only."

    await pilot.click("#settings-unlock")
    await answer_unlock(app, "production")
    assert not app.manager.read_only
    assert "UNLOCKED" in screen_text(app)
    await create_user(app, "written_after_unlock")
    assert await user_count(app) == 2

    await pilot.click("#settings-lock")
    await pilot.pause()
    assert app.manager.read_only and "read-only" in screen_text(app)
    with pytest.raises(ReadOnlyError):
        await create_user(app, "refused_after_lock")

    # An unlock does not outlive the connection: applying production again locks it.
    await pilot.click("#settings-unlock")
    await answer_unlock(app, "production")
    assert not app.manager.read_only
    await pilot.press("ctrl+a")
    await settle(app, pilot)
    assert app.manager.read_only


async def test_unlock_from_the_command_palette(production: DbTuiApp) -> None:
    app, pilot = production, production.pilot  # type: ignore[attr-defined]
    await run_palette_command(app, pilot, "Unlock writes")
    await answer_unlock(app, "production")
    assert not app.manager.read_only
    await create_user(app, "palette_unlock")
    assert await user_count(app) == 2


async def test_screen_and_palette_writes_refused_while_locked(production: DbTuiApp) -> None:
    app, pilot = production, production.pilot  # type: ignore[attr-defined]
    await pilot.press("1")
    await settle(app, pilot)
    for key in ("n", "d"):
        await pilot.press(key)
        await settle(app, pilot)
        assert not isinstance(app.screen, ModalScreen), key
    await run_palette_command(app, pilot, "Seed demo")
    await settle(app, pilot)
    assert not isinstance(app.screen, ModalScreen)
    messages = common.notifications(app)
    assert sum("read-only" in m for m in messages) >= 3
    assert await user_count(app) == 1


async def refuse_the_name(app: DbTuiApp) -> None:
    """The write asks for the environment name to be typed; answer with escape."""
    pilot = app.pilot  # type: ignore[attr-defined]
    await common.settle(app, pilot)
    assert isinstance(app.screen, TypeToConfirmScreen), app.screen
    assert "Type production to confirm" in screen_text(app)
    await pilot.press("escape")
    await common.settle(app, pilot)


async def test_every_write_after_unlock_asks_for_the_name(production: DbTuiApp) -> None:
    app, pilot = production, production.pilot  # type: ignore[attr-defined]
    await pilot.click("#settings-unlock")
    await answer_unlock(app, "production")
    promise = (
        "Every write (saving or creating a record, delete, restore, tag merge, seed) and every "
        "migration still asks for production to be typed."
    )
    assert promise in status(app)
    await pilot.press("1")
    await common.settle(app, pilot)

    await pilot.press("n")  # create: refused, then typed
    await common.settle(app, pilot)
    common.fill(app, username="new_user", email="new_user@example.com", password="Long-enough-1")
    await common.save(app, pilot)
    await refuse_the_name(app)
    assert "Not saved: the write was not confirmed." in screen_text(app)
    assert await user_count(app) == 1
    await common.save(app, pilot)
    await answer_unlock(app, "production")
    await common.settle(app, pilot)
    assert await user_count(app) == 2

    await pilot.press("g", "enter")  # edit existing_user: refused, nothing written
    await common.settle(app, pilot)
    common.fill(app, full_name="Changed")
    await common.save(app, pilot)
    await refuse_the_name(app)
    name_sql = "select full_name from users where username = 'existing_user'"
    assert await common.scalar(app.manager, name_sql) is None
    await pilot.press("escape")
    await common.settle(app, pilot)
    await common.confirm(app, pilot)  # discard the edit

    live_sql = "select count(*) from users where deleted_at is null"
    await pilot.press("d")  # delete: refused, then typed (to the trash)
    await refuse_the_name(app)
    assert await common.scalar(app.manager, live_sql) == 2
    await pilot.press("d")
    await common.settle(app, pilot)
    await answer_unlock(app, "production")
    await common.settle(app, pilot)
    assert await common.scalar(app.manager, live_sql) == 1

    await pilot.press("t")  # restore: refused
    await common.settle(app, pilot)
    await pilot.press("u")
    await refuse_the_name(app)
    assert await common.scalar(app.manager, live_sql) == 1

    await common.run_command(app, pilot, "Seed demo")  # seed: refused
    await refuse_the_name(app)
    assert await user_count(app) == 2

    await common.add_tags(app.manager, ["alpha", "beta"])  # tag merge: refused
    await pilot.press("3")
    await common.settle(app, pilot)
    await pilot.press("g", "m")
    await common.settle(app, pilot)
    await common.pick(app, pilot, "target", "beta")
    await common.save(app, pilot)
    await refuse_the_name(app)
    assert await common.rows(app.manager, "select name from tags order by name") == [
        ("alpha",),
        ("beta",),
    ]
