"""The export dialog: a file name, formula protection (on unless asked otherwise), and a
question before an existing file is replaced."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from tui.screens.modals import _DIALOG_CSS, ConfirmScreen, literal_block

RAW_LABEL = "Raw values (no formula protection)"
PROTECTION_HINT = (
    "CSV cells starting with = + - @ tab or carriage return get a leading ' so that "
    "spreadsheets show them instead of running them as formulas. JSON is written as stored."
)


@dataclass(frozen=True)
class ExportRequest:
    """Where to export, and whether to write raw values (no formula protection)."""

    path: Path
    raw: bool = False


def export_path_problem(value: str) -> str | None:
    """Why `value` cannot be an export file name, or None when it can."""
    path = Path(value.strip()).expanduser()
    if not value.strip():
        return "enter a file name"
    if path.suffix.lower() not in (".csv", ".json"):
        return "the file name must end in .csv or .json"
    if not path.parent.is_dir():
        return f"folder does not exist: {path.parent}"
    if path.is_dir():
        return "that is a folder"
    return None


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Ask for the export file; `enter` exports, `escape` gives None. Replacing an existing
    file is asked first (the safe answer focused); saying no keeps the dialog open."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel", tooltip="Close without export"),
    ]

    DEFAULT_CSS = (
        "ExportScreen {"
        + _DIALOG_CSS
        + "\n    & #error { color: $text-error; }\n    & #hint { color: $text-muted; }\n}"
    )

    def __init__(self, title: str, body: str, *, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.body_text = body
        self.initial_value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal_block(self.title_text), id="title")
            yield Static(literal_block(self.body_text), id="body")
            yield Input(self.initial_value, placeholder="file.csv or file.json", id="answer")
            yield Checkbox(RAW_LABEL, value=False, id="raw")
            yield Static(Text(PROTECTION_HINT), id="hint")
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Export", id="submit", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def show_error(self, message: str) -> None:
        """Show `message` (literally) under the options."""
        self.query_one("#error", Label).update(Text(message))

    def submit(self) -> None:
        value = self.query_one("#answer", Input).value
        problem = export_path_problem(value)
        if problem:
            self.show_error(problem)
            return
        request = ExportRequest(
            Path(value.strip()).expanduser(), raw=self.query_one("#raw", Checkbox).value
        )
        if not request.path.exists():
            self.dismiss(request)
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Replace {request.path.name}?",
                f"{request.path} already exists. Replace it with this export?",
                confirm_label="Replace",
                cancel_label="Keep the file",
                danger=True,
            ),
            partial(self._replace_answered, request),
        )

    def _replace_answered(self, request: ExportRequest, replace: bool | None) -> None:
        if replace:
            self.dismiss(request)
        else:
            self.show_error(f"{request.path.name} was kept: choose another name, or escape")
            self.query_one("#answer", Input).focus()

    @on(Input.Submitted, "#answer")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
