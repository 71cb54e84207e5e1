"""The messages an app notified (its toasts), kept after they fade: the "Messages" dialog
lists them, and tests read them through `app.messages` instead of Textual's private list.

    class MyApp(RemembersMessages[None]): ...

    app.notify("Saved user bob")
    app.messages[-1].message  # "Saved user bob"; oldest first, the last MESSAGE_LIMIT ones
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from textual.app import App
from textual.notifications import SeverityLevel

ReturnType = TypeVar("ReturnType")

#: How many messages an app keeps (the oldest go first).
MESSAGE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class AppMessage:
    """One notification as the app raised it: `title` and `message` as given to `notify`.
    DbTuiApp notifies literal text only (control characters escaped, no markup), so they are
    what its toast showed."""

    at: datetime  # local time, when it was raised
    severity: SeverityLevel  # "information", "warning" or "error"
    title: str
    message: str


class RemembersMessages(App[ReturnType]):
    """An app that keeps the last `message_limit` messages it notified (`messages`)."""

    message_limit = MESSAGE_LIMIT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._message_history: deque[AppMessage] = deque(maxlen=self.message_limit)

    @property
    def messages(self) -> tuple[AppMessage, ...]:
        """The messages notified so far, oldest first (shown, or already faded)."""
        return tuple(self._message_history)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # deque.append is atomic: notify may be called from a thread, as Textual allows
        self._message_history.append(AppMessage(datetime.now(), severity, title, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
