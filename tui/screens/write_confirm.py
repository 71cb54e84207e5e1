"""The one question every write asks: in production, the environment name must be typed.

Production is read-only until unlocked from Settings; after that, each write (a form save or
create, a delete, a restore, a tag merge, seeding) and each migration still asks for the
environment name through `confirm_write`. Call it from a worker (it awaits the dialog).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.app import DbTuiApp
    from tui.db.session import SessionManager


#: What the Settings screen promises after an unlock: `confirm_write` keeps the promise.
EVERY_WRITE_ASKS = (
    "Every write (saving or creating a record, delete, restore, tag merge, seed) and every "
    "migration still asks for {word} to be typed."
)


class WriteNotConfirmed(Exception):
    """Raised by a form's save when the write was not confirmed (the form shows the message)."""


def asks_for_name(manager: SessionManager) -> bool:
    """True when writes to `manager`'s database need the environment name typed."""
    return manager.read_only or manager.settings.is_production


async def confirm_write(
    app: DbTuiApp,
    title: str,
    body: str,
    *,
    label: str,
    danger: bool = False,
    ask_elsewhere: bool = True,
) -> bool:
    """Ask before a write; True to go ahead.

    In production the environment name must be typed. Elsewhere a yes/no question, or no
    question at all when `ask_elsewhere` is False (e.g. saving a form).
    """
    from tui.screens.modals import ConfirmScreen, TypeToConfirmScreen

    manager = app.manager
    if asks_for_name(manager):
        word = manager.settings.ENVIRONMENT
        screen: Any = TypeToConfirmScreen(title, body, word, confirm_label=label)
    elif ask_elsewhere:
        screen = ConfirmScreen(title, body, confirm_label=label, danger=danger)
    else:
        return True
    return bool(await app.push_screen_wait(screen))
