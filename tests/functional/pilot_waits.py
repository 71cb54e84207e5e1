"""Waiting on what the user sees, with a timeout that fails saying what never happened."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

TIMEOUT_STEPS = 250  # pauses of 0.02 s: about 5 s


async def wait_until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    """Pause until `condition()` holds; fail saying `what` was expected after ~5 s."""
    for _ in range(TIMEOUT_STEPS):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def wait_for_screen(app: App, pilot: Pilot, kind: type[Screen]) -> None:
    """Pause until the screen on top is a `kind`."""
    await wait_until(pilot, lambda: isinstance(app.screen, kind), f"a {kind.__name__}")


def shown(screen: Screen, selector: str) -> str:
    """The text a Static of `screen` (a title, a body, an error line) shows."""
    return str(screen.query_one(selector, Static).render())
