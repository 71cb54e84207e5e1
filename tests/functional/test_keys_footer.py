"""The footer of keys follows focus moves and bindings changes, bursts included."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from tests.functional.pilot_waits import wait_until
from tests.functional.test_screen_common import screen_text
from tui.widgets.keys_footer import KeysFooter


class NameInput(Input):
    BINDINGS = [Binding("ctrl+u", "clear_name", "Clear name")]


class NoteInput(Input):
    BINDINGS = [Binding("ctrl+t", "stamp_note", "Stamp note")]


class FooterApp(App[None]):
    BINDINGS = [Binding("ctrl+s", "save", "Save")]

    def __init__(self) -> None:
        super().__init__()
        self.can_save = True

    def compose(self) -> ComposeResult:
        yield NameInput(id="name")
        yield NoteInput(id="note")
        yield KeysFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.can_save if action == "save" else True


def footer_line(app: App[None]) -> str:
    return screen_text(app).splitlines()[-1]  # type: ignore[arg-type]


async def test_the_footer_shows_the_keys_of_the_focus_and_of_the_moment() -> None:
    app = FooterApp()
    async with app.run_test(size=(100, 10)) as pilot:

        async def footer_shows(*, present: tuple[str, ...], absent: tuple[str, ...]) -> None:
            def holds() -> bool:
                line = footer_line(app)
                return all(w in line for w in present) and not any(w in line for w in absent)

            await wait_until(pilot, holds, f"a footer with {present}, without {absent}")

        await footer_shows(present=("Save", "Clear name"), absent=("Stamp note",))
        await pilot.press("tab")
        await footer_shows(present=("Save", "Stamp note"), absent=("Clear name",))

        app.can_save = False
        for _ in range(5):  # a burst of signals in one frame ends on the last state
            app.screen.refresh_bindings()
        await footer_shows(present=("Stamp note",), absent=("Save",))

        app.can_save = True
        app.screen.refresh_bindings()
        await pilot.press("shift+tab")
        await footer_shows(present=("Save", "Clear name"), absent=("Stamp note",))
