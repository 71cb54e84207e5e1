"""Waiting on what the user sees, with a timeout that fails saying what never happened.

Waits are bounded by time, not by a number of event-loop turns, so a loaded machine (parallel
test workers, other programs) makes them slower, never wrong; the bound is generous because it
is only reached when the awaited thing never happens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from tui.message_history import RemembersMessages

TIMEOUT = 20.0  # seconds before a wait fails
STEP = 0.02  # seconds between two looks


async def wait_until(
    pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT
) -> None:
    """Pause until `condition()` holds; fail saying `what` was expected after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(STEP)


async def wait_for_screen(app: App, pilot: Pilot, kind: type[Screen]) -> None:
    """Pause until the screen on top is a `kind`."""
    await wait_until(
        pilot, lambda: isinstance(app.screen, kind), f"a {kind.__name__} (on top: {app.screen!r})"
    )


async def press_while_busy(
    app: App, pilot: Pilot, key: str, condition: Callable[[], bool], what: str
) -> None:
    """Press `key` while the app keeps a core busy (a query running on SQLite) and wait for
    `condition`: Textual's `pilot.press` waits for the whole process to idle, up to 2 s a key
    then; this posts the key as a user's arrives (`App.simulate_key`) and waits for its effect."""
    app.simulate_key(key)
    await wait_until(pilot, condition, what)


def shown(screen: Screen, selector: str) -> str:
    """The text a Static of `screen` (a title, a body, an error line) shows."""
    return str(screen.query_one(selector, Static).render())


def notifications(app: RemembersMessages[Any]) -> list[str]:
    """The messages of the notifications the app raised (shown or faded), oldest first: what
    the palette's "Messages" dialog lists."""
    return [entry.message for entry in app.messages]


def _palette_offers(app: App, words: str) -> bool:
    """Whether the open command palette highlights a command whose title holds `words`."""
    if not isinstance(app.screen, CommandPalette):
        return False
    commands = app.screen.query_one(CommandList)
    index = commands.highlighted
    if index is None or index >= commands.option_count:
        return False
    return words.lower() in str(commands.get_option_at_index(index).prompt).lower()


async def run_palette_command(app: App, pilot: Pilot, words: str) -> None:
    """Open the command palette (`ctrl+p`), search `words`, wait until the highlighted command
    holds them (failing when none does) and run it with `enter`."""
    await pilot.press("ctrl+p")
    await wait_for_screen(app, pilot, CommandPalette)
    app.screen.query_one(CommandInput).value = words
    await wait_until(pilot, lambda: _palette_offers(app, words), f"a command {words!r}")
    await pilot.press("enter")
    await wait_until(
        pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette to close"
    )
