"""Generic modal screens: confirm, type-to-confirm, prompt, conflict, help.

Each is a `ModalScreen[T]` that dismisses with its answer; callers pass a callback (use
`functools.partial` to carry ids)::

    self.app.push_screen(
        ConfirmScreen("Delete user", "Delete user alice? This deletes 12 posts, 1 profile."),
        partial(self._delete_confirmed, user_id),
    )

All text coming from data (titles, bodies, field values) is shown literally.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea

from tui.cells import display_str, escape_control
from tui.db.errors import short_error
from tui.fields import FormField
from tui.widgets.record_form import FORM_ERROR_KEY, PickerField, RecordForm

CONFLICT_CHOICES = ("overwrite", "reload", "edit")
MAX_CONFLICT_CHARS = 400


def literal_block(text: str) -> Text:
    """Multi-line text shown literally: newlines kept, other control characters escaped."""
    return Text("\n".join(escape_control(line) for line in text.split("\n")))


def literal_line(text: str) -> Text:
    """A title shown literally on one line: a line break in quoted data shows as ``\\n``."""
    return Text(escape_control(text))


_DIALOG_CSS = """
    align: center middle;
    background: $background 60%;
    & > #dialog {
        width: 72;
        max-width: 90%;
        height: auto;
        max-height: 90%;
        padding: 1 2;
        border: thick $primary 70%;
        background: $surface;
    }
    & #title {
        text-style: bold;
        width: 100%;
        margin-bottom: 1;
    }
    & #body {
        width: 100%;
        margin-bottom: 1;
    }
    & #buttons {
        width: 100%;
        height: auto;
        align-horizontal: right;
    }
    & #buttons Button {
        margin-left: 2;
    }
"""


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; `n`/`escape` cancel.

    A plain question opens on its confirm button: `y` or `enter` confirm. A destructive one
    (`danger=True`) opens on its cancel button and has no `y`: `enter` right away cancels, and
    confirming takes a deliberate act (`tab` to the danger button, then `enter`, or a click).
    The dialog states its keys.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="confirm.yes", tooltip="Confirm"),
        Binding("n,escape", "cancel", "No", id="confirm.no", tooltip="Cancel"),
    ]

    DEFAULT_CSS = (
        "ConfirmScreen {"
        + _DIALOG_CSS
        + """
    &.-danger > #dialog { border: thick $error; }
    & #keys { width: 100%; margin-bottom: 1; color: $text-muted; }
}"""
    )

    def __init__(
        self,
        title: str,
        body: str,
        *,
        confirm_label: str = "Yes",
        cancel_label: str = "No",
        danger: bool = False,
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self.title_text = title
        self.body_text = body
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.danger = danger

    def keys_hint(self) -> str:
        """How to answer, as shown under the question."""
        if self.danger:
            return f"tab then enter: {self.confirm_label} · escape: {self.cancel_label}"
        return f"y or enter: {self.confirm_label} · n or escape: {self.cancel_label}"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal_line(self.title_text), id="title")
            yield Static(literal_block(self.body_text), id="body")
            yield Static(literal_block(self.keys_hint()), id="keys")
            with Horizontal(id="buttons"):
                yield Button(self.cancel_label, id="cancel")
                yield Button(
                    self.confirm_label, id="confirm", variant="error" if self.danger else "primary"
                )

    def on_mount(self) -> None:
        self.query_one("#cancel" if self.danger else "#confirm", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # No single key confirms a destructive dialog.
        return not (self.danger and action == "confirm")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)


class PromptScreen(ModalScreen[str | None]):
    """Ask for one line of text; `enter` submits (after `validate`), `escape` gives None.

    `validate(value)` returns an error message to show under the input, or None when fine.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Close without answer"),
    ]

    DEFAULT_CSS = "PromptScreen {" + _DIALOG_CSS + "\n    & #error { color: $text-error; }\n}"

    def __init__(
        self,
        title: str,
        body: str = "",
        *,
        value: str = "",
        placeholder: str = "",
        password: bool = False,
        submit_label: str = "OK",
        validate: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.body_text = body
        self.initial_value = value
        self.placeholder = placeholder
        self.password = password
        self.submit_label = submit_label
        self.validate_value = validate

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal_line(self.title_text), id="title")
            if self.body_text:
                yield Static(literal_block(self.body_text), id="body")
            yield Input(
                self.initial_value,
                placeholder=self.placeholder,
                password=self.password,
                id="answer",
            )
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.submit_label, id="submit", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def show_error(self, message: str) -> None:
        """Show `message` (literally) under the input."""
        self.query_one("#error", Label).update(Text(message))

    def check(self, value: str) -> str | None:
        """The error for `value`, or None."""
        return self.validate_value(value) if self.validate_value else None

    def submit(self) -> None:
        value = self.query_one("#answer", Input).value
        error = self.check(value)
        if error:
            self.show_error(error)
            return
        self.dismiss(value)

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


class TypeToConfirmScreen(ModalScreen[bool]):
    """Confirm a dangerous action by typing a word (e.g. the environment name "production")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="type_confirm.cancel", tooltip="Do not proceed"),
    ]

    DEFAULT_CSS = (
        "TypeToConfirmScreen {"
        + _DIALOG_CSS
        + "\n    & > #dialog { border: thick $error; }\n    & #error { color: $text-error; }\n}"
    )

    def __init__(self, title: str, body: str, word: str, *, confirm_label: str = "Proceed") -> None:
        super().__init__()
        self.title_text = title
        self.body_text = body
        self.word = word
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal_line(self.title_text), id="title")
            yield Static(literal_block(self.body_text), id="body")
            yield Static(Text.assemble("Type ", (self.word, "bold"), " to confirm:"), id="hint")
            yield Input(placeholder=self.word, id="answer")
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.confirm_label, id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def submit(self) -> None:
        if self.query_one("#answer", Input).value.strip() == self.word:
            self.dismiss(True)
        else:
            self.query_one("#error", Label).update(Text(f"Type {self.word} exactly to confirm"))

    @on(Input.Submitted, "#answer")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


def _short(value: object) -> str:
    text = display_str(value) if not isinstance(value, str) else value
    text = "\n".join(escape_control(line) for line in text.split("\n"))
    if len(text) > MAX_CONFLICT_CHARS:
        text = text[: MAX_CONFLICT_CHARS - 1] + "…"
    return text


class ConflictScreen(ModalScreen[str]):
    """Show my edit and the database's current row side by side; dismiss with a choice.

    Returns "overwrite" (save mine over theirs), "reload" (discard mine, take theirs) or
    "edit" (keep editing; also `escape`). Differing fields are highlighted.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "o",
            "choose('overwrite')",
            "Overwrite",
            id="conflict.overwrite",
            tooltip="Save my version over the database's",
        ),
        Binding(
            "r",
            "choose('reload')",
            "Reload",
            id="conflict.reload",
            tooltip="Discard my changes and load the database's version",
        ),
        Binding(
            "e,escape",
            "choose('edit')",
            "Keep editing",
            id="conflict.edit",
            tooltip="Go back to the form",
        ),
    ]

    DEFAULT_CSS = (
        "ConflictScreen {"
        + _DIALOG_CSS
        + """
    & > #dialog { width: 110; border: thick $warning; }
    & #versions { height: auto; max-height: 24; margin-bottom: 1; }
}"""
    )

    def __init__(
        self,
        mine: Mapping[str, object],
        theirs: Mapping[str, object],
        *,
        labels: Mapping[str, str] | None = None,
        title: str = "This record was changed by someone else since you opened it",
    ) -> None:
        super().__init__()
        self.mine = dict(mine)
        self.theirs = dict(theirs)
        self.labels = dict(labels or {})
        self.title_text = title

    @property
    def differing_fields(self) -> list[str]:
        """Names of the fields whose values differ."""
        return [name for name in self._field_names() if self._differs(name)]

    def _field_names(self) -> list[str]:
        names = list(self.labels) or list(self.mine)
        names += [n for n in [*self.mine, *self.theirs] if n not in names]
        return names

    def _differs(self, name: str) -> bool:
        return self.mine.get(name) != self.theirs.get(name)

    def versions_table(self) -> Table:
        """The field-by-field comparison as a Rich table (values as literal Text)."""
        table = Table(expand=True, show_lines=False, box=None, pad_edge=False)
        table.add_column("Field", no_wrap=True, style="bold", ratio=1)
        table.add_column("Mine", ratio=3, overflow="fold")
        table.add_column("Database", ratio=3, overflow="fold")
        for name in self._field_names():
            differs = self._differs(name)
            style = "bold reverse" if differs else ""
            marker = "≠ " if differs else "  "
            table.add_row(
                Text(marker + self.labels.get(name, name)),
                Text(_short(self.mine.get(name)), style=style),
                Text(_short(self.theirs.get(name)), style=style),
            )
        return table

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal_line(self.title_text), id="title")
            count = len(self.differing_fields)
            yield Static(
                Text(f"{count} field{'s' if count != 1 else ''} differ (marked ≠)."), id="body"
            )
            with VerticalScroll(id="versions"):
                yield Static(self.versions_table(), id="versions-table")
            with Horizontal(id="buttons"):
                yield Button("Keep editing (e)", id="edit")
                yield Button("Reload theirs (r)", id="reload", variant="primary")
                yield Button("Overwrite (o)", id="overwrite", variant="error")

    def on_mount(self) -> None:
        self.query_one("#edit", Button).focus()

    def action_choose(self, choice: str) -> None:
        if choice in CONFLICT_CHOICES:
            self.dismiss(choice)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id in CONFLICT_CHOICES:
            self.dismiss(event.button.id)


def collect_bindings(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(keys, description, where) for every active binding of `screen`, shown or hidden."""
    app = screen.app
    merged: dict[tuple[int, str], list[str]] = {}
    info: dict[tuple[int, str], tuple[ActiveBinding, str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        marker = (id(active.node), binding.action)
        merged.setdefault(marker, [])
        key = app.get_key_display(binding)
        if key not in merged[marker]:
            merged[marker].append(key)
        if marker not in info:
            description = binding.description or binding.tooltip or binding.action
            if binding.tooltip and binding.tooltip != description:
                description = f"{description} — {binding.tooltip}"
            info[marker] = (active, description)
    rows = []
    for marker, keys in merged.items():
        active, description = info[marker]
        rows.append((" / ".join(keys), description, _node_name(active.node)))
    # The screen's own actions first, then the focused widget's, then app-wide keys.
    order = {"Screen": 0, "App": 2}
    rows.sort(key=lambda row: order.get(row[2], 1))
    return rows


def _node_name(node: DOMNode) -> str:
    if node is node.app:
        return "App"
    if isinstance(node, Screen):
        return "Screen"
    return type(node).__name__


class HelpScreen(ModalScreen[None]):
    """Every binding of the screen below (focused widget, screen, app), with descriptions."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q,question_mark,f1", "close", "Close", id="help.close", tooltip="Close the help"
        ),
    ]

    DEFAULT_CSS = (
        "HelpScreen {"
        + _DIALOG_CSS
        + """
    & > #dialog { width: 90; height: 90%; }
    & #bindings { height: 1fr; }
}"""
    )

    def __init__(self, screen: Screen[object] | None = None, title: str = "Keys") -> None:
        super().__init__()
        self._target = screen
        self.title_text = title
        self.rows: list[tuple[str, str, str]] = []

    def compose(self) -> ComposeResult:
        target = self._target
        if target is None:
            below = [screen for screen in self.app.screen_stack if screen is not self]
            target = below[-1] if below else None
        self.rows = collect_bindings(target) if target is not None else []
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text), id="title")
            with VerticalScroll(id="bindings"):
                yield Static(self._table(self.rows), id="bindings-table")
            yield Static(Text("escape closes", style="dim"))

    @staticmethod
    def _table(rows: Iterable[tuple[str, str, str]]) -> Table:
        table = Table(expand=True, box=None, pad_edge=False)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Action", ratio=1)
        table.add_column("Where", style="dim", no_wrap=True)
        for keys, description, where in rows:
            table.add_row(Text(keys), Text(description), Text(where))
        return table

    def action_close(self) -> None:
        self.dismiss(None)


class FormErrors(Exception):
    """Raised by a `FormScreen` save callback: messages by field name (shown under fields)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class FormConflict(Exception):
    """Raised by a `FormScreen` save callback when the row changed since the form opened.

    `theirs` holds the database's current values by field name. The screen shows a
    `ConflictScreen`; "overwrite" awaits `overwrite()` (whose result the screen dismisses
    with; it may raise `FormErrors`), "reload" loads `theirs` into the form and calls `reload()`
    (e.g. to take the new version as the expected one), "edit" keeps the form as typed.
    """

    def __init__(
        self,
        theirs: Mapping[str, Any],
        *,
        overwrite: Callable[[], Awaitable[Any]],
        reload: Callable[[], None] | None = None,
    ) -> None:
        super().__init__("the record changed since it was opened")
        self.theirs = dict(theirs)
        self.overwrite = overwrite
        self.reload = reload


SaveCallback = Callable[[dict[str, Any]], Awaitable[Any]]


class FormScreen(ModalScreen[Any]):
    """A `RecordForm` in a modal: `ctrl+s` saves through `save`, `escape` cancels.

    With `changes_only` (forms that edit a stored record) `save` gets only the fields the user
    changed, and a form without changes closes saying so, without calling `save`.
    `save(values)` runs in a worker (so it may `await self.app.push_screen_wait(...)`, e.g. a
    `ConflictScreen`). It returns the value the screen dismisses with, or raises `FormErrors`
    to show messages under the fields (the form keeps what was typed); any other exception is
    shown at the top of the form and the app keeps running. Without `save`, the screen dismisses
    with the values. Cancelling dismisses with None, asking first when there are unsaved changes.
    `on_change(form, name)` is called after each change of the field `name` (typed or set).
    """

    DEFAULT_CSS = (
        "FormScreen {"
        + _DIALOG_CSS
        + """
    & > #dialog { width: 84; max-height: 95%; }
    & #status { color: $text-muted; height: 1; }
}"""
    )

    def __init__(
        self,
        title: str,
        fields: Sequence[FormField],
        values: Mapping[str, Any] | None = None,
        *,
        save: SaveCallback | None = None,
        check_required: bool = True,
        changes_only: bool = False,
        on_change: Callable[[RecordForm, str], None] | None = None,
    ) -> None:
        super().__init__()
        self.on_change = on_change
        self.title_text = title
        self.form_fields = tuple(fields)
        self.initial_values = dict(values or {})
        self.save_callback = save
        self.check_required = check_required
        self.changes_only = changes_only
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(literal_line(self.title_text), id="title")
            yield RecordForm(self.form_fields, self.initial_values, id="form")
            yield Static(Text("ctrl+s save · escape cancel", style="dim"), id="status")

    @property
    def form(self) -> RecordForm:
        return self.query_one(RecordForm)

    def _set_status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message, style="dim"))

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Switch.Changed)
    @on(PickerField.Picked)
    def _field_changed(self, event: Message) -> None:
        """Tell `on_change` which field of the form changed."""
        if self.on_change is None:
            return
        control = getattr(event, "control", None)
        node = control if isinstance(control, DOMNode) else None
        while node is not None and not (node.id or "").startswith("input-"):
            node = node.parent
        if node is not None:
            self.on_change(self.form, str(node.id).removeprefix("input-"))

    @on(RecordForm.SaveRequested)
    def _save_requested(self, event: RecordForm.SaveRequested) -> None:
        event.stop()
        if self.saving:
            return
        problems = self.form.required_errors() if self.check_required else {}
        problems.update(self.form.pending_errors())
        if self.changes_only:  # a new record's lengths are checked with the rest on save
            problems.update(self.form.length_errors())
        if problems:
            self.form.set_errors(problems)
            return
        values = event.values
        if self.changes_only:
            values = self.form.changed_values()
            if not values:
                self.notify("No changes: nothing was saved")
                self.dismiss(None)
                return
        if self.save_callback is None:
            self.dismiss(values)
            return
        self.saving = True
        self._set_status("Saving…")
        self._run_save(values)

    @work(exclusive=True, group="form-save", exit_on_error=False)
    async def _run_save(self, values: dict[str, Any]) -> None:
        save = self.save_callback
        assert save is not None
        try:
            await self._save_with(lambda: save(values), values)
        finally:
            self.saving = False

    async def _save_with(
        self, attempt: Callable[[], Awaitable[Any]], values: dict[str, Any]
    ) -> None:
        try:
            result = await attempt()
        except FormErrors as error:
            self.form.set_errors(error.errors)
            self._set_status("Not saved: fix the marked fields")
        except FormConflict as conflict:
            await self._resolve_conflict(conflict, values)
        except Exception as error:
            self.form.set_errors({FORM_ERROR_KEY: short_error(error)})
            self._set_status("Not saved")
        else:
            self.form.set_errors({})
            self.form.mark_clean()
            self.dismiss(result)

    async def _resolve_conflict(self, conflict: FormConflict, values: dict[str, Any]) -> None:
        form = self.form
        compared = [
            f for f in self.form_fields if f.name in conflict.theirs and f.kind != "password"
        ]
        mine = form.values()
        for field in compared:  # a picker holds an id; `theirs` names it as (id, label)
            picker = form.input_widget(field.name)
            if isinstance(picker, PickerField):
                mine[field.name] = (picker.value, picker.label)
        choice = await self.app.push_screen_wait(
            ConflictScreen(
                {f.name: mine.get(f.name) for f in compared},
                {f.name: conflict.theirs[f.name] for f in compared},
                labels={f.name: f.label for f in compared},
            )
        )
        if choice == "overwrite":
            await self._save_with(conflict.overwrite, values)
        elif choice == "reload":
            form.set_values(conflict.theirs)
            form.set_errors({})
            if conflict.reload is not None:
                conflict.reload()
            self._set_status("Loaded the database's version; nothing was saved")
        else:
            self._set_status("Not saved: the record changed meanwhile (ctrl+s asks again)")

    @on(RecordForm.CancelRequested)
    def _cancel_requested(self, event: RecordForm.CancelRequested) -> None:
        event.stop()
        if not event.dirty:
            self.dismiss(None)
            return
        self.app.push_screen(
            ConfirmScreen(
                "Discard changes?",
                "This form has unsaved changes. Close it and lose them?",
                confirm_label="Discard",
                cancel_label="Keep editing",
                danger=True,
            ),
            self._discard_answered,
        )

    def _discard_answered(self, discard: bool | None) -> None:
        if discard:
            self.dismiss(None)
