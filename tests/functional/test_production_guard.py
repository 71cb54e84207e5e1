"""Production opens read-only; the data layer refuses writes until unlocked from Settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from tests.conftest import pg_settings
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
from tui.repositories.users import UserRepository
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
        await UserRepository(session).create(
            {"username": username, "email": f"{username}@example.com", "password": "Long-enough-1"}
        )


async def user_count(app: DbTuiApp) -> int:
    async with app.manager.session() as session:
        return (await session.execute(select(func.count()).select_from(User))).scalar_one()


async def answer_unlock(app: DbTuiApp, word: str) -> None:
    pilot = app.pilot  # type: ignore[attr-defined]
    await pilot.pause()
    assert isinstance(app.screen, TypeToConfirmScreen)
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
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Unlock writes")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()
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
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Seed demo")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(app, pilot)
    assert not isinstance(app.screen, ModalScreen)
    messages = [n.message for n in app._notifications]
    assert sum("read-only" in m for m in messages) >= 3
    assert await user_count(app) == 1
