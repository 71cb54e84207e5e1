"""RecordForm: a form built from a declarative list of `FormField`s.

The form knows field kinds, not entities. A screen describes its fields once::

    FIELDS = [
        FormField("username", "Username", required=True, max_length=50),
        FormField("email", "Email", required=True, max_length=255),
        FormField("password", "Password", kind="password", placeholder="blank keeps the old one"),
        FormField("status", "Status", kind="select", options=[("Active", "active"), ...]),
        FormField("author_id", "Author", kind="picker", search=search_users),
        FormField("tags", "Tags", kind="tags", search=search_tags),
    ]

Values: text kinds give `str` (or None for blank when `blank_is_none`), select the option value
(None when blank), switch a `bool`, picker the chosen id (None until one is chosen), tags a
`list[str]`. `ctrl+s` posts `RecordForm.SaveRequested(values)`; `escape` posts
`RecordForm.CancelRequested(dirty)`. The screen validates and saves (in a worker) and calls
`set_errors({...})` on failure; whatever was typed stays. `tui.screens.modals.FormScreen` wraps
all of this in a modal.

Stored values are shown literally and kept as stored unless edited: a text field whose value has
control characters or line breaks shows them as visible escapes (``\\n``, ``\\x1b``), a value
longer than the field's limit is shown whole (the limit applies to what is typed), and
`changed_values()` names only the fields the user changed, so an edit writes nothing else.

Generic tables add three things. A `nullable` field can hold NULL, distinct from the empty
string: it shows "NULL" (placeholder and a badge by the label), `ctrl+n` sets it, typing clears
it, and `values()` gives None for it. A `generated` field (a server default, identity or computed
column on a new record) starts empty with a quiet placeholder such as "(database default:
now())" (its `default_hint`) and gives `DEFAULT` until the user enters a value (`ctrl+g` sets it
back). A `read_only` field is shown but cannot be changed and is never in `changed_values()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static, Switch, TextArea
from textual.widgets.option_list import Option

from tui.cells import escape_control, escape_control_multiline
from tui.fields import DEFAULT, FormField, SearchCallback

SEARCH_DELAY = 0.08
"""Seconds of typing pause before a picker asks its search callback."""
FORM_ERROR_KEY = "__form__"
"""`set_errors` key for a message that belongs to no single field."""
NULL_LABEL = "NULL"
DEFAULT_LABEL = "left to the database"


FieldState = Literal["null", "default"]


# ----------------------------------------------------------------------------------- picker
class PickerField(Vertical):
    """Type to search, pick one (id, label) from the list under the input."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "down",
            "move(1)",
            "Next match",
            show=False,
            id="picker.next",
            tooltip="Highlight the next match",
        ),
        Binding(
            "up",
            "move(-1)",
            "Previous match",
            show=False,
            id="picker.previous",
            tooltip="Highlight the previous match",
        ),
        Binding(
            "escape",
            "close",
            "Close list",
            show=False,
            id="picker.close",
            tooltip="Close the list of matches",
        ),
    ]

    DEFAULT_CSS = """
    PickerField {
        height: auto;
        & > OptionList {
            display: none;
            max-height: 8;
            border: none;
            background: $panel;
        }
        &.-open > OptionList {
            display: block;
        }
    }
    """

    @dataclass
    class Picked(Message):
        """A choice was made (or cleared: `value` None)."""

        picker: PickerField
        value: Any
        label: str

        @property
        def control(self) -> PickerField:
            return self.picker

    def __init__(
        self,
        search: SearchCallback | None,
        *,
        placeholder: str = "type to search",
        compact: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._compact = compact
        self._search_callback = search
        self._placeholder = placeholder
        self._value: Any = None
        self._label = ""
        self._matches: list[tuple[Any, str]] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self._placeholder, compact=self._compact)
        options = OptionList()
        options.can_focus = False
        yield options

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> Any:
        """The chosen id (None until a match is picked)."""
        return self._value

    @property
    def label(self) -> str:
        return self._label

    @property
    def matches(self) -> list[tuple[Any, str]]:
        """The (id, label) pairs currently listed."""
        return list(self._matches)

    def set_search(self, search: SearchCallback | None) -> None:
        """Search with `search` from now on (None: no suggestions)."""
        self._search_callback = search

    def set_choice(self, value: Any, label: str | None = None) -> None:
        """Select `value` showing `label` (defaults to "#<value>"), without searching."""
        self._value = value
        self._label = "" if value is None else (label if label is not None else f"#{value}")
        self.input.value = self._shown_label
        self.input.cursor_position = len(self.input.value)
        self._close()

    @property
    def _shown_label(self) -> str:
        return escape_control(self._label)

    def _close(self) -> None:
        self.remove_class("-open")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value == self._shown_label and self._value is not None:
            return
        if self._value is not None:
            self._value = None
            self.post_message(self.Picked(self, None, ""))
        self._label = ""
        if event.value.strip() and self._search_callback is not None:
            self._search(event.value)
        else:
            self._matches = []
            self._close()

    @work(exclusive=True, group="picker-search", exit_on_error=False)
    async def _search(self, text: str) -> None:
        await asyncio.sleep(SEARCH_DELAY)  # let fast typing settle first
        assert self._search_callback is not None
        try:
            found = list(await self._search_callback(text))
        except Exception as error:  # the database may be gone: say so, keep the form
            self.notify(f"Search failed ({type(error).__name__})", severity="error", markup=False)
            return
        if self.input.value != text:
            return
        self._matches = found
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(Text(escape_control(label))) for _, label in found])
        if found:
            options.highlighted = 0
            self.add_class("-open")
        else:
            self._close()

    def action_move(self, step: int) -> None:
        if not self.has_class("-open"):
            raise SkipAction()
        options = self.query_one(OptionList)
        current = options.highlighted or 0
        options.highlighted = max(0, min(current + step, len(self._matches) - 1))

    def action_close(self) -> None:
        if not self.has_class("-open"):
            raise SkipAction()
        self._close()

    def _pick(self, index: int) -> None:
        if 0 <= index < len(self._matches):
            value, label = self._matches[index]
            self.set_choice(value, label)
            self.post_message(self.Picked(self, value, label))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self.has_class("-open"):
            event.stop()
            self._pick(self.query_one(OptionList).highlighted or 0)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)
        self.input.focus()


# ------------------------------------------------------------------------------------- tags
class _TagInput(Input):
    """An Input where backspace on an empty value removes the last tag."""

    @dataclass
    class RemoveLast(Message):
        pass

    def action_delete_left(self) -> None:
        if not self.value:
            self.post_message(self.RemoveLast())
            return
        super().action_delete_left()


TAGS_PLACEHOLDER = "type a tag: enter adds the highlighted match, or a new tag if none match"


class TagsField(Vertical):
    """Tags as chips plus an input. Typing lists the tags that match: `enter` adds the
    highlighted one (`up`/`down` move). A typed name that is no tag yet is created by choosing
    its own entry, 'create "…" as a new tag', or by `enter` when no tag matches. An `enter`
    that comes before the matches adds the typed name only when it names a tag or nothing
    matches (else the list opens). A comma adds the name as typed (written out and closed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Next tag", show=False, id="tags.next", tooltip="Next match"),
        Binding(
            "up",
            "move(-1)",
            "Previous tag",
            show=False,
            id="tags.previous",
            tooltip="Previous match",
        ),
        Binding(
            "escape",
            "close",
            "Close list",
            show=False,
            id="tags.close",
            tooltip="Close the matches",
        ),
    ]

    DEFAULT_CSS = """
    TagsField {
        height: auto;
        & > .chips { height: auto; color: $text-accent; }
        & > OptionList {
            display: none;
            max-height: 8;
            border: none;
            background: $panel;
        }
        &.-open > OptionList { display: block; }
    }
    """

    def __init__(
        self,
        search: SearchCallback | None,
        *,
        placeholder: str = "",
        compact: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._compact = compact
        self._search = search
        self._placeholder = placeholder or TAGS_PLACEHOLDER
        self._tags: list[str] = []
        #: The listed entries: (tag name, True for the entry that creates a new tag).
        self._choices: list[tuple[str, bool]] = []
        self._listed_for: str | None = None  # the typed text the entries belong to
        self._enter_waiting = False  # enter came before the matches of the typed text

    def compose(self) -> ComposeResult:
        yield Static(self._chips(), classes="chips")
        yield _TagInput(placeholder=self._placeholder, compact=self._compact)
        options = OptionList()
        options.can_focus = False
        yield options

    @property
    def input(self) -> Input:
        return self.query_one(_TagInput)

    @property
    def tags(self) -> list[str]:
        """The tag names, in the order added, without duplicates (case-insensitive)."""
        return list(self._tags)

    @property
    def choices(self) -> list[str]:
        """The entries listed under the input, as shown (empty while the list is closed)."""
        if not self.has_class("-open"):
            return []
        options = self.query_one(OptionList)
        return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]

    def set_tags(self, tags: Sequence[str]) -> None:
        self._tags = []
        for tag in tags:
            self._add(tag)
        self._refresh_chips()

    def _add(self, tag: str) -> bool:
        tag = " ".join(tag.split())
        if not tag or tag.casefold() in (t.casefold() for t in self._tags):
            return False
        self._tags.append(tag)
        return True

    def _chips(self) -> Text:
        if not self._tags:
            return Text("no tags", style="dim")
        text = Text()
        for index, tag in enumerate(self._tags):
            if index:
                text.append("  ")
            text.append(f" {escape_control(tag)} ", style="reverse")
        return text

    def _refresh_chips(self) -> None:
        if self.is_mounted:
            self.query_one(".chips", Static).update(self._chips())

    def _close(self) -> None:
        self.remove_class("-open")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if "," in event.value:
            *complete, rest = event.value.split(",")
            for tag in complete:
                self._add(tag)
            self._refresh_chips()
            event.input.value = rest.lstrip()  # changes the value again: handled then
            return
        self._listed_for = None
        self._enter_waiting = False
        if event.value.strip() and self._search is not None:
            self._find(event.value)  # the open list stays until the new matches replace it
        else:
            self._choices = []
            self._close()

    @work(exclusive=True, group="tags-search", exit_on_error=False)
    async def _find(self, text: str) -> None:
        await asyncio.sleep(SEARCH_DELAY)  # let fast typing settle first
        assert self._search is not None
        try:
            found = [label for _, label in await self._search(text)]
        except Exception as error:  # the database may be gone: say so, keep the form
            self.notify(f"Search failed ({type(error).__name__})", severity="error", markup=False)
            found = []
        if self.input.value != text:
            return
        exact = self._list(text, found)
        if self._enter_waiting:  # add what was typed only when it is unambiguous
            self._enter_waiting = False
            if exact is not None:  # the name of an existing tag
                self._choose(exact)
            elif not found:  # no tag to confuse it with: a new one
                self._add_typed()

    def _list(self, text: str, names: list[str]) -> int | None:
        """List `names` (the tags matching `text`) and, when `text` is none of them, an entry
        that creates it. Returns the index of the tag named exactly `text` (highlighted)."""
        typed = " ".join(text.split())
        self._listed_for = text
        self._choices = [(name, False) for name in names]
        folded = [name.casefold() for name in names]
        exact = folded.index(typed.casefold()) if typed.casefold() in folded else None
        if names and exact is None:
            self._choices.append((typed, True))
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self._choice_prompt(*choice)) for choice in self._choices])
        if self._choices:
            options.highlighted = exact or 0
            self.add_class("-open")
        else:
            self._close()
        return exact

    @staticmethod
    def _choice_prompt(name: str, new: bool) -> Text:
        if not new:
            return Text(escape_control(name))
        return Text.assemble("create ", (f'"{escape_control(name)}"', "bold"), " as a new tag")

    def action_move(self, step: int) -> None:
        if not self.has_class("-open"):
            raise SkipAction()
        options = self.query_one(OptionList)
        current = options.highlighted or 0
        options.highlighted = max(0, min(current + step, len(self._choices) - 1))

    def action_close(self) -> None:
        if not self.has_class("-open"):
            raise SkipAction()
        self._close()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            return
        if self._search is not None and self._listed_for != event.value:
            self._enter_waiting = True  # the matches of this text are on their way
        elif self.has_class("-open"):
            self._choose(self.query_one(OptionList).highlighted or 0)
        elif self._choices:  # the list was closed: show it again, add nothing unseen
            self.add_class("-open")
        else:
            self._add_typed()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self._listed_for == self.input.value:
            self._choose(event.option_index)
        self.input.focus()

    def _choose(self, index: int) -> None:
        if 0 <= index < len(self._choices):
            name, _new = self._choices[index]
            if self._add(name):
                self._refresh_chips()
        self.input.value = ""

    def _add_typed(self) -> None:
        if self._add(self.input.value):
            self._refresh_chips()
        self.input.value = ""

    @on(_TagInput.RemoveLast)
    def _remove_last(self, event: _TagInput.RemoveLast) -> None:
        event.stop()
        if self._tags:
            self._tags.pop()
            self._refresh_chips()

    def pending_text(self) -> str:
        """Text typed but not yet added: not a tag until the user chooses what it becomes
        (`RecordForm.pending_errors` stops a save until then)."""
        return self.input.value.strip()


# ------------------------------------------------------------------------------------- form
class _LimitedInput(Input):
    """An Input with a maximum length that says so when text does not fit (a paste too long
    is refused whole by Textual), instead of only ringing the bell."""

    class Refused(Message):
        def __init__(self, input: _LimitedInput) -> None:
            super().__init__()
            self.input = input

    def restricted(self) -> None:
        self.app.bell()
        self.post_message(self.Refused(self))


class RecordForm(VerticalScroll, can_focus=False):
    """Fields in order, each with its label and an error line right under it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="record_form.save", tooltip="Validate and save"),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="record_form.cancel",
            tooltip="Close the form (asks when there are unsaved changes)",
        ),
        Binding(
            "ctrl+n",
            "set_null",
            "NULL",
            show=False,
            id="record_form.set_null",
            tooltip="Set the focused field to NULL (no value; typing replaces it)",
        ),
        Binding(
            "ctrl+g",
            "set_default",
            "DEFAULT",
            show=False,
            id="record_form.set_default",
            tooltip="Leave the focused field to the database's default (new records)",
        ),
    ]

    DEFAULT_CSS = """
    RecordForm {
        height: auto;
        max-height: 100%;
        padding: 0 1;
        & > .form-error {
            color: $text-error;
            text-style: bold;
            display: none;
        }
        & > .form-error.-shown { display: block; }
        & > .form-field {
            height: auto;
            margin-bottom: 1;
        }
        & .field-label { color: $text-muted; }
        & .form-field.-required .field-label { color: $foreground; }
        & .field-help { color: $text-muted; text-style: italic; }
        & .field-note { color: $text-warning; display: none; }
        & .field-note.-shown { display: block; }
        & .field-error { color: $text-error; display: none; }
        & .form-field.-invalid .field-error { display: block; }
        & .form-field.-invalid Input, & .form-field.-invalid TextArea {
            background-tint: $error 25%;
        }
        & TextArea { height: 8; }
        & TextArea.-textual-compact { height: 6; background: $boost; }
        & > .form-field:focus-within {
            /* also what makes Textual restyle the label below when focus moves */
            background: $accent 6%;
        }
        & .form-field:focus-within > .field-label {
            color: $text-accent;
            background: $accent 25%;
            text-style: bold;
        }
        & .form-field:focus-within Input, & .form-field:focus-within TextArea {
            background-tint: $accent 12%;
        }
        & .form-field.-read-only .field-label { color: $text-disabled; }
        & .form-field.-null Input, & .form-field.-default Input { text-style: italic; }
    }
    """

    @dataclass
    class SaveRequested(Message):
        """`ctrl+s`: the screen should validate and save `values`."""

        form: RecordForm
        values: dict[str, Any]

        @property
        def control(self) -> RecordForm:
            return self.form

    @dataclass
    class CancelRequested(Message):
        """`escape`: the screen should close the form (asking first when `dirty`)."""

        form: RecordForm
        dirty: bool

        @property
        def control(self) -> RecordForm:
            return self.form

    def __init__(
        self,
        fields: Sequence[FormField],
        values: Mapping[str, Any] | None = None,
        *,
        compact: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.compact = compact
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        self.fields: tuple[FormField, ...] = tuple(fields)
        self._initial_values = dict(values or {})
        self._baseline: dict[str, Any] = {}
        self._states: dict[str, FieldState] = {}

    # ---------------------------------------------------------------------------- compose
    def compose(self) -> ComposeResult:
        yield Static("", classes="form-error")
        for field in self.fields:
            classes = "form-field -required" if field.required else "form-field"
            if field.read_only:
                classes += " -read-only"
            with Vertical(classes=classes, id=f"field-{field.name}"):
                yield Label(self._label_text(field), classes="field-label")
                yield self._make_input(field)
                if field.help:
                    yield Static(Text(field.help), classes="field-help")
                yield Static("", classes="field-note")
                yield Static("", classes="field-error")

    def _label_text(self, field: FormField) -> Text:
        """The label, marked required (*), read-only, NULL or DEFAULT."""
        text = Text(field.label + (" *" if field.required else ""))
        if field.read_only:
            text.append("  read-only", style="italic")
        state = self._states.get(field.name)
        if state == "null":
            text.append("  ")
            text.append(f" {NULL_LABEL} ", style="reverse")
        elif state == "default" and field.kind == "switch":  # a switch has no placeholder
            text.append(f"  {self._default_text(field)}", style="dim")
        return text

    @staticmethod
    def _default_text(field: FormField) -> str:
        """What a field left to the database shows: ``(database default: now())``."""
        return f"({field.default_hint or DEFAULT_LABEL})"

    def _make_input(self, field: FormField) -> Widget:
        widget = self._new_input(field)
        if field.read_only:
            if isinstance(widget, TextArea):
                widget.read_only = True  # still focusable: long text can be scrolled
            else:
                widget.disabled = True
        return widget

    def _new_input(self, field: FormField) -> Widget:
        widget_id = f"input-{field.name}"
        if field.kind in ("text", "password"):
            return _LimitedInput(
                placeholder=field.placeholder,
                password=field.kind == "password",
                max_length=field.max_length or 0,
                compact=self.compact,
                id=widget_id,
            )
        if field.kind == "textarea":
            return TextArea(
                id=widget_id,
                soft_wrap=True,
                tab_behavior="focus",
                placeholder=field.placeholder,
                compact=self.compact,
            )
        if field.kind == "select":
            return Select(
                [(Text(escape_control(label)), value) for label, value in field.options],
                allow_blank=not field.required or field.nullable or field.generated,
                prompt=self._select_prompt(field, None),
                compact=self.compact,
                id=widget_id,
            )
        if field.kind == "switch":
            return Switch(id=widget_id)
        if field.kind == "picker":
            return PickerField(
                field.search,
                placeholder=field.placeholder or "type to search",
                compact=self.compact,
                id=widget_id,
            )
        if field.kind == "tags":
            return TagsField(
                field.search, placeholder=field.placeholder, compact=self.compact, id=widget_id
            )
        raise ValueError(f"unknown field kind {field.kind!r}")

    def on_mount(self) -> None:
        initial = dict(self._initial_values)
        for field in self.fields:  # a new record: generated fields DEFAULT, nullable NULL
            if field.name not in initial and (field.generated or field.nullable):
                initial[field.name] = DEFAULT if field.generated else None
        self.set_values(initial)
        self.focus_first()

    # ------------------------------------------------------------------------ public API
    def focus_first(self) -> None:
        """Focus the first field that can be edited (else the first field)."""
        editable = [field for field in self.fields if not field.read_only]
        if editable or self.fields:
            self.focus_field((editable or list(self.fields))[0].name)

    def focus_field(self, name: str) -> None:
        widget = self.input_widget(name)
        if isinstance(widget, PickerField | TagsField):
            widget.input.focus()
        else:
            widget.focus()
        self.call_after_refresh(self.scroll_to_widget, self.query_one(f"#field-{name}"))

    def input_widget(self, name: str) -> Widget:
        """The widget editing field `name`."""
        return self.query_one(f"#input-{name}")

    def field(self, name: str) -> FormField:
        """The field called `name`."""
        return next(field for field in self.fields if field.name == name)

    def state(self, name: str) -> FieldState | None:
        """The state of field `name`: "null" (NULL), "default" (DEFAULT) or None (a value)."""
        return self._states.get(name)

    def values(self) -> dict[str, Any]:
        """Current values by field name (see the module docstring for the types)."""
        result: dict[str, Any] = {}
        for field in self.fields:
            widget = self.input_widget(field.name)
            value: Any
            state = self._states.get(field.name)
            if state is not None:
                value = None if state == "null" else DEFAULT
            elif isinstance(widget, Input):
                value = widget.value
            elif isinstance(widget, TextArea):
                value = widget.text
            elif isinstance(widget, Select):
                value = None if widget.is_blank() else widget.value
            elif isinstance(widget, Switch | PickerField):
                value = widget.value
            elif isinstance(widget, TagsField):
                value = widget.tags
            else:  # pragma: no cover - every kind is handled above
                value = None
            if field.blank_is_none and value == "":
                value = None
            result[field.name] = value
        return result

    def choice_labels(self) -> dict[str, str]:
        """The shown label of each picker with a chosen value (e.g. a username for an id)."""
        labels: dict[str, str] = {}
        for field in self.fields:
            widget = self.input_widget(field.name)
            if isinstance(widget, PickerField) and widget.value is not None:
                labels[field.name] = widget.label
        return labels

    def set_values(self, values: Mapping[str, Any], *, mark_clean: bool = True) -> None:
        """Fill fields from `values` (unknown keys are ignored; missing fields are left).

        A picker takes an id or an `(id, label)` pair; tags take a list of names. Text is
        shown literally (control characters as visible escapes) and whole, even when longer
        than the field's limit. With `mark_clean` the result becomes the baseline for
        `is_dirty` and `changed_values`.
        """
        for field in self.fields:
            if field.name not in values:
                continue
            value = values[field.name]
            widget = self.input_widget(field.name)
            if value is DEFAULT or (value is None and field.nullable):
                self._set_state(field, "default" if value is DEFAULT else "null")
                continue
            self._set_state(field, None)
            if isinstance(widget, Input | TextArea):
                self._show_text(field, widget, "" if value is None else str(value))
            elif isinstance(widget, Select):
                if value is None:
                    if not field.required:
                        widget.clear()
                else:
                    allowed = [option for _, option in field.options]
                    if value not in allowed:  # e.g. an enum member for a plain-value option
                        value = getattr(value, "value", value)
                    if value in allowed:  # an unknown value leaves the choice as it was
                        widget.value = value
            elif isinstance(widget, Switch):
                widget.value = bool(value)
            elif isinstance(widget, PickerField):
                if isinstance(value, tuple):
                    widget.set_choice(value[0], value[1])
                else:
                    widget.set_choice(value)
            elif isinstance(widget, TagsField):
                widget.set_tags(list(value or ()))
        if mark_clean:
            self.mark_clean()

    def _show_text(self, field: FormField, widget: Input | TextArea, text: str) -> None:
        """Put `text` in a text widget literally, and say under the field when what is shown
        differs from what is stored (escapes) or exceeds what may be typed (length)."""
        if isinstance(widget, Input):
            shown = escape_control(text)
            if field.max_length:  # a longer stored value stays whole and can be shortened
                widget.max_length = max(field.max_length, len(shown))
            widget.value = shown
            widget.cursor_position = len(shown)
        else:
            shown = escape_control_multiline(text)
            widget.load_text(shown)
        notes = []
        if shown != text:
            notes.append("its control characters or line breaks are shown as escapes (\\n, \\x1b)")
        if field.max_length and len(text) > field.max_length:
            notes.append(
                f"it has {len(text):,} characters, more than the {field.max_length:,} "
                "allowed when typing"
            )
        note = self.query_one(f"#field-{field.name} > .field-note", Static)
        message = "Stored value kept as it is unless you edit this field: " + "; ".join(notes)
        note.update(Text(message) if notes else "")
        note.set_class(bool(notes), "-shown")

    def mark_clean(self) -> None:
        """Take the current values as the saved state (e.g. after a successful save)."""
        self._baseline = self.values()

    @property
    def is_dirty(self) -> bool:
        """True when any value differs from the last `set_values` / `mark_clean`, or a tag
        field holds typed text not added yet."""
        return self.values() != self._baseline or bool(self.pending_errors())

    def pending_errors(self) -> dict[str, str]:
        """Messages for tag fields holding typed text that is not a tag yet: a save waits
        until the user adds it (choosing a match or creating it) or clears it."""
        errors: dict[str, str] = {}
        for field in self.fields:
            widget = self.input_widget(field.name)
            if isinstance(widget, TagsField) and (pending := widget.pending_text()):
                errors[field.name] = (
                    f"“{escape_control(pending)}” is not added: press enter to choose a match "
                    "or create it, or clear it"
                )
        return errors

    def changed_values(self) -> dict[str, Any]:
        """The values of the fields the user changed since the last `set_values` /
        `mark_clean` (what an edit should write, and nothing else; never read-only ones)."""
        baseline = self._baseline
        read_only = {field.name for field in self.fields if field.read_only}
        return {
            name: value
            for name, value in self.values().items()
            if name not in read_only and (name not in baseline or value != baseline[name])
        }

    # ------------------------------------------------------------------- NULL and DEFAULT
    def _set_state(self, field: FormField, state: FieldState | None) -> None:
        """Put field in the NULL or DEFAULT state (empty widget, marked) or take it out."""
        widget = self.input_widget(field.name)
        if state is None:
            self._states.pop(field.name, None)
        else:
            self._states[field.name] = state
            with self.prevent(
                Input.Changed, TextArea.Changed, Select.Changed, Switch.Changed, PickerField.Picked
            ):
                if isinstance(widget, Input):
                    widget.value = ""
                elif isinstance(widget, TextArea):
                    widget.load_text("")
                elif isinstance(widget, Select):
                    widget.clear()
                elif isinstance(widget, Switch):
                    widget.value = False
                elif isinstance(widget, PickerField):
                    widget.set_choice(None)
            note = self.query_one(f"#field-{field.name} > .field-note", Static)
            note.update("")
            note.remove_class("-shown")
        self._show_state(field)

    def _show_state(self, field: FormField) -> None:
        state = self._states.get(field.name)
        container = self.query_one(f"#field-{field.name}")
        container.set_class(state == "null", "-null")
        container.set_class(state == "default", "-default")
        container.query_one(".field-label", Label).update(self._label_text(field))
        shown = {"null": NULL_LABEL, "default": self._default_text(field)}.get(state or "", "")
        widget = self.input_widget(field.name)
        if isinstance(widget, Input | TextArea):
            widget.placeholder = shown or field.placeholder
        elif isinstance(widget, Select):
            widget.prompt = self._select_prompt(field, state)
        elif isinstance(widget, PickerField):
            widget.input.placeholder = shown or field.placeholder or "type to search"

    @staticmethod
    def _select_prompt(field: FormField, state: FieldState | None) -> str:
        """What a blank select shows: its blank choice means NULL (nullable) or DEFAULT."""
        if state == "default" or (state is None and field.generated and not field.nullable):
            return RecordForm._default_text(field)
        if field.nullable:
            return NULL_LABEL
        return field.placeholder or "Select"

    def _focused_field(self) -> FormField | None:
        focused = self.screen.focused
        for node in focused.ancestors_with_self if focused is not None else ():
            if node.id and node.id.startswith("input-"):
                name = node.id.removeprefix("input-")
                return next((f for f in self.fields if f.name == name), None)
        return None

    def action_set_null(self) -> None:
        """`ctrl+n`: the focused field becomes NULL (when it may)."""
        field = self._focused_field()
        if field is None:
            return
        if field.read_only:
            self.notify(f"{field.label} is read-only", severity="warning", markup=False)
        elif not field.nullable:
            self.notify(f"{field.label} cannot be NULL", severity="warning", markup=False)
        else:
            self._set_state(field, "null")

    def action_set_default(self) -> None:
        """`ctrl+g`: the focused field is left to the database's default again."""
        field = self._focused_field()
        if field is None:
            return
        if not field.generated or field.read_only:
            self.notify(
                f"{field.label} has no database default here", severity="warning", markup=False
            )
        else:
            self._set_state(field, "default")

    def _user_changed(self, widget: Widget) -> None:
        """An edit by the user: a value replaces NULL/DEFAULT; a blank nullable select is
        NULL."""
        name = (widget.id or "").removeprefix("input-")
        field = next((f for f in self.fields if f.name == name), None)
        if field is None:
            return
        state = self._states.get(name)
        if isinstance(widget, Select):
            if widget.is_blank():
                if state is None and (field.nullable or field.generated):
                    self._states[name] = "null" if field.nullable else "default"
                    self._show_state(field)
                return
        elif isinstance(widget, Input | TextArea):
            text = widget.value if isinstance(widget, Input) else widget.text
            if not text:
                return
        elif isinstance(widget, PickerField) and widget.value is None:
            return
        if state is not None:
            self._set_state(field, None)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Switch.Changed)
    def _widget_changed(self, event: Message) -> None:
        control = getattr(event, "control", None)
        if isinstance(control, Widget) and control.parent is not None:
            if isinstance(control, Input) and isinstance(control.parent, PickerField):
                return  # the picker's own search text
            self._user_changed(control)

    @on(PickerField.Picked)
    def _picked(self, event: PickerField.Picked) -> None:
        self._user_changed(event.picker)

    def set_errors(self, errors: Mapping[str, str]) -> None:
        """Show each message under its field and clear the others; focus the first invalid.

        Messages for unknown names (or `FORM_ERROR_KEY`) show at the top of the form.
        """
        names = {field.name for field in self.fields}
        for field in self.fields:
            self._show_field_error(field.name, errors.get(field.name))
        general = [
            (msg if key == FORM_ERROR_KEY else f"{key}: {msg}")
            for key, msg in errors.items()
            if key not in names
        ]
        banner = self.query_one(".form-error", Static)
        banner.update(Text(escape_control("; ".join(general))) if general else "")
        banner.set_class(bool(general), "-shown")
        for field in self.fields:
            if field.name in errors:
                self.focus_field(field.name)
                break

    def _show_field_error(self, name: str, message: str | None) -> None:
        container = self.query_one(f"#field-{name}")
        container.set_class(bool(message), "-invalid")
        container.query_one(".field-error", Static).update(
            Text(escape_control(message)) if message else ""
        )

    @on(_LimitedInput.Refused)
    def _text_refused(self, event: _LimitedInput.Refused) -> None:
        event.stop()
        field = next(f for f in self.fields if f"input-{f.name}" == event.input.id)
        self._show_field_error(
            field.name, f"at most {field.max_length} characters: that text was not added"
        )

    def errors(self) -> dict[str, str]:
        """The messages currently shown, by field name."""
        shown: dict[str, str] = {}
        for field in self.fields:
            container = self.query_one(f"#field-{field.name}")
            if container.has_class("-invalid"):
                content = container.query_one(".field-error", Static).content
                shown[field.name] = str(content)
        return shown

    def required_errors(self) -> dict[str, str]:
        """Messages for required fields left empty (a quick client-side check)."""
        missing: dict[str, str] = {}
        for name, value in self.values().items():
            field = next(f for f in self.fields if f.name == name)
            if field.read_only or value is DEFAULT:
                continue
            if field.required and field.kind != "switch" and value in (None, "", []):
                missing[name] = f"{field.label} is required"
        return missing

    def length_errors(self) -> dict[str, str]:
        """Messages for text longer than its field allows. A stored value longer than the
        limit may be edited as long as it does not grow: the limit bounds what is typed."""
        errors: dict[str, str] = {}
        for name, value in self.values().items():
            field = next(f for f in self.fields if f.name == name)
            if not field.max_length or not isinstance(value, str):
                continue
            stored = self._baseline.get(name)
            allowed = max(field.max_length, len(stored) if isinstance(stored, str) else 0)
            if len(value) > allowed:
                errors[name] = f"at most {field.max_length:,} characters"
        return errors

    # ----------------------------------------------------------------------------- actions
    def action_save(self) -> None:
        self.post_message(self.SaveRequested(self, self.values()))

    def action_cancel(self) -> None:
        self.post_message(self.CancelRequested(self, self.is_dirty))
