"""The palette's "Messages": the notifications the app showed, kept after they fade (the last
200), listed newest first with their time and severity, literally; `escape` closes the list."""

from __future__ import annotations

from sqlalchemy import text
from textual.color import Color
from textual.widget import Widget

from tests.functional.pilot_waits import run_palette_command, wait_for_screen, wait_until
from tests.functional.test_screen_common import (
    SIZE,
    add_users,
    database,
    fill,
    local_sqlite,
    notifications,
    running,
    save,
    screen_text,
    settle,
)
from tui.app import DbTuiApp, make_app
from tui.message_history import MESSAGE_LIMIT
from tui.screens.messages import MessageList, MessagesScreen

MARKUP = "[bold]x[/]"


def _colour_of(app: DbTuiApp, variable: str) -> str:
    return Color.parse(app.get_css_variables()[variable]).hex.lower()


def _drawn_colours(widget: Widget) -> dict[str, set[str]]:
    """The colours each severity word is drawn in, as the widget paints its lines."""
    colours: dict[str, set[str]] = {}
    for y in range(widget.size.height):
        for segment in widget.render_line(y):
            word = segment.text.strip()
            if word in ("info", "warning", "error") and segment.style and segment.style.color:
                colours.setdefault(word, set()).add(str(segment.style.color.name).lower())
    return colours


async def _open_messages(app: DbTuiApp, pilot) -> str:
    await run_palette_command(app, pilot, "Messages")
    await wait_for_screen(app, pilot, MessagesScreen)
    await pilot.pause()
    return screen_text(app)


async def test_messages_lists_what_was_notified_newest_first_and_literally() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, [MARKUP, "bob"])
    async with running(settings) as (app, pilot):
        # a failing action: the profile table is gone, so `d` cannot say what it would delete
        async with app.manager.session() as session:
            await session.execute(text("alter table user_profiles rename to profiles_away"))
        await pilot.press("d")
        await settle(app, pilot)
        async with app.manager.session() as session:
            await session.execute(text("alter table profiles_away rename to user_profiles"))
        # a save whose message quotes data that looks like markup
        await pilot.press("enter")
        await settle(app, pilot)
        fill(app, full_name="Renamed")
        await save(app, pilot)
        await settle(app, pilot)
        # a refused action: the row was deleted by someone else
        async with app.manager.session() as session:
            await session.execute(text("delete from users where username = 'bob'"))
        await pilot.press("j", "enter")
        await settle(app, pilot)
        gone = "user 2 does not exist (deleted meanwhile?)"
        saved = f"Saved user {MARKUP}"
        failed = "no such table: user_profiles"
        assert notifications(app)[-3:] == [failed, saved, gone], notifications(app)
        assert [m.severity for m in app.messages[-3:]] == ["error", "information", "warning"]

        shown = await _open_messages(app, pilot)
        assert isinstance(app.screen, MessagesScreen)
        where = [shown.find(message) for message in (gone, saved, failed)]
        assert -1 not in where and where == sorted(where), shown  # newest first
        assert f"{app.messages[-1].at:%H:%M:%S}  warning" in shown  # time and severity
        assert f"{app.messages[-3].at:%H:%M:%S}  error    Error" in shown  # and the title
        # each severity drawn in its theme colour (styles/app.tcss), in a dark and a light theme
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            await pilot.pause()
            drawn = _drawn_colours(app.screen.query_one(MessageList))
            assert drawn["error"] == {_colour_of(app, "text-error")}, theme
            assert drawn["warning"] == {_colour_of(app, "text-warning")}, theme
            assert drawn["info"] == {_colour_of(app, "text-success")}, theme

        await pilot.press("escape")
        await wait_until(
            pilot, lambda: not isinstance(app.screen, MessagesScreen), "escape to close Messages"
        )
        assert app.is_running


async def test_no_messages_says_so_and_the_history_is_bounded() -> None:
    settings = local_sqlite()
    async with database(settings):
        pass
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:  # toasts off: 205 of them cost seconds
        await settle(app, pilot)
        assert app.messages == ()
        shown = await _open_messages(app, pilot)
        assert "No messages yet" in shown
        await pilot.press("escape")
        await wait_until(
            pilot, lambda: not isinstance(app.screen, MessagesScreen), "escape to close Messages"
        )

        for number in range(MESSAGE_LIMIT + 5):
            app.notify(f"message {number}")
        assert len(app.messages) == MESSAGE_LIMIT
        assert notifications(app)[0] == "message 5"
        assert notifications(app)[-1] == f"message {MESSAGE_LIMIT + 4}"
        shown = await _open_messages(app, pilot)
        assert "No messages yet" not in shown
        assert shown.find(f"message {MESSAGE_LIMIT + 4}") < shown.find(f"message {MESSAGE_LIMIT}")
