"""The settings form: grouped fields, where each value came from, errors next to each field.

Secrets (the PostgreSQL password, a `DATABASE_URL` that may hold one) are never put into a
widget in clear: their inputs start empty with a placeholder and only take a *new* value.
`build_candidate` turns the form's values into a validated `Settings` or per-field errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError
from rich.text import Text
from sqlalchemy.engine import make_url
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static

from tui.config import BACKEND_ALIASES, Environment, Origin, Settings, settings_as_env

Kind = Literal["choice", "text", "integer", "secret", "secret-url"]

UNCHANGED = "•••••• (unchanged)"
NOT_SET = "(not set)"
CLEARED = "(cleared: empty when applied)"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One setting in the form."""

    name: str
    label: str
    kind: Kind = "text"


GROUPS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    ("Environment", (FieldSpec("ENVIRONMENT", "Environment", "choice"),)),
    ("SQLite", (FieldSpec("SQLITE_DATABASE", "Database file"),)),
    (
        "PostgreSQL",
        (
            FieldSpec("POSTGRES_HOST", "Host"),
            FieldSpec("POSTGRES_PORT", "Port", "integer"),
            FieldSpec("POSTGRES_USER", "User"),
            FieldSpec("POSTGRES_PASSWORD", "Password", "secret"),
            FieldSpec("POSTGRES_DB", "Database"),
        ),
    ),
    (
        "Pool",
        (
            FieldSpec("DB_POOL_SIZE", "Pool size", "integer"),
            FieldSpec("DB_MAX_OVERFLOW", "Max overflow", "integer"),
            FieldSpec("DB_POOL_TIMEOUT", "Pool timeout (s)", "integer"),
            FieldSpec("DB_POOL_RECYCLE", "Pool recycle (s)", "integer"),
        ),
    ),
    ("DATABASE_URL override", (FieldSpec("DATABASE_URL", "DATABASE_URL", "secret-url"),)),
)

FIELDS: dict[str, FieldSpec] = {spec.name: spec for _group, specs in GROUPS for spec in specs}

_MESSAGES: dict[str, str] = {
    "POSTGRES_PORT": "port must be a whole number from 1 to 65535",
    "DB_POOL_SIZE": "pool size must be a positive whole number",
    "DB_MAX_OVERFLOW": "max overflow must be a whole number, 0 or more",
    "DB_POOL_TIMEOUT": "pool timeout must be a positive whole number of seconds",
    "DB_POOL_RECYCLE": "pool recycle must be a positive whole number of seconds",
    "SQLITE_DATABASE": "the SQLite database path must not be empty",
    "ENVIRONMENT": "choose development, testing or production",
}


def environment_options(current: str) -> list[tuple[str, str]]:
    """The environment choices: dbtui's three, and `current` when it is another name."""
    names = [env.value for env in Environment]
    if current not in names:
        names.append(current)
    return [(name, name) for name in names]


def masked_url_text(url: str) -> str:
    """`url` with its password replaced by `***` (or a placeholder when it does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(not a valid database URL)"


def build_candidate(
    current: Settings, edits: Mapping[str, str | None]
) -> tuple[Settings | None, dict[str, str]]:
    """Settings from `current` with `edits` (setting name -> new text) applied.

    A `None` edit keeps the current value (used by secrets left untouched). Returns the
    validated settings, or `None` and a message per setting name. No message contains a secret.
    """
    values = settings_as_env(current)
    values.setdefault("DATABASE_URL", "")
    for name, value in edits.items():
        if value is not None:
            values[name] = value.strip() if FIELDS[name].kind == "integer" else value
    errors: dict[str, str] = {}
    override = values.get("DATABASE_URL", "")
    if override.strip():
        try:
            backend = make_url(override).get_backend_name()
        except Exception:
            errors["DATABASE_URL"] = "not a valid database URL (e.g. postgresql://user@host/db)"
        else:
            if backend != "sqlite" and backend not in BACKEND_ALIASES:
                errors["DATABASE_URL"] = "only sqlite:/// and postgresql:// URLs are supported"
    try:
        candidate = Settings.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc") or ()
            name = str(loc[0]) if loc else ""
            if name == "DATABASE_URL_OVERRIDE":
                name = "DATABASE_URL"
            if not name:
                message = str(error.get("msg", ""))
                name = "POSTGRES_HOST" if "POSTGRES_HOST" in message else "ENVIRONMENT"
                errors.setdefault(name, "host must not be empty for PostgreSQL")
                continue
            errors.setdefault(name, _MESSAGES.get(name, "invalid value"))
        return None, errors
    if errors:
        return None, errors
    return candidate, {}


class SettingsForm(VerticalScroll):
    """Every setting, grouped, with its origin and an error line; emits `Changed` on edits."""

    DEFAULT_CSS = """
    SettingsForm { height: 1fr; padding: 0 1; }
    SettingsForm .group-title { text-style: bold; color: $text-accent; margin-top: 1; }
    SettingsForm .setting-row { height: 1; }
    SettingsForm .setting-label { width: 18; }
    SettingsForm .setting-input { width: 1fr; max-width: 56; }
    SettingsForm .setting-origin { width: 22; padding: 0 1; color: $text-muted; }
    SettingsForm .setting-origin.-edited { color: $text-warning; }
    SettingsForm .setting-clear { min-width: 9; width: 9; }
    SettingsForm .setting-error {
        height: auto; padding-left: 18; color: $text-error; display: none;
    }
    SettingsForm .setting-error.-shown { display: block; }
    SettingsForm .setting-hint { height: auto; padding-left: 18; color: $text-muted; }
    """

    class Changed(Message):
        """A field was edited."""

    def __init__(self, *, id: str | None = "settings-form") -> None:
        super().__init__(id=id)
        self._cleared: set[str] = set()
        self._shown: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        for group, specs in GROUPS:
            yield Static(Text(group), classes="group-title")
            for spec in specs:
                with Horizontal(classes="setting-row", id=f"row-{spec.name}"):
                    yield Label(Text(spec.label), classes="setting-label")
                    yield self._make_input(spec)
                    yield Label("", id=f"origin-{spec.name}", classes="setting-origin")
                    if spec.kind in ("secret", "secret-url"):
                        yield Button(
                            "Clear",
                            id=f"clear-{spec.name}",
                            classes="setting-clear",
                            compact=True,
                            tooltip="Make this value empty (takes effect on Apply / Save)",
                        )
                    else:
                        yield Static("", classes="setting-clear")  # keeps the columns aligned
                if spec.kind == "secret-url":
                    yield Static("", id="hint-DATABASE_URL", classes="setting-hint")
                yield Static("", id=f"error-{spec.name}", classes="setting-error")
        yield Static("", id="settings-target", classes="setting-hint")

    @staticmethod
    def _make_input(spec: FieldSpec) -> Input | Select[str]:
        field_id = f"field-{spec.name}"
        if spec.kind == "choice":
            return Select(
                environment_options(Environment.DEVELOPMENT.value),
                allow_blank=False,
                id=field_id,
                classes="setting-input",
                compact=True,
            )
        return Input(
            id=field_id,
            classes="setting-input",
            password=spec.kind in ("secret", "secret-url"),
            type="integer" if spec.kind == "integer" else "text",
            compact=True,
            select_on_focus=False,
        )

    # -- loading ---------------------------------------------------------------------------
    def load(self, settings: Settings, origins: Mapping[str, Origin]) -> None:
        """Show `settings` (secrets masked, never put into an input) and their origins."""
        self._cleared.clear()
        values = settings_as_env(settings)
        for spec in FIELDS.values():
            widget = self.field(spec.name)
            if spec.kind == "choice":
                assert isinstance(widget, Select)
                # a name dbtui does not know (`staging`) stays a choice, shown as it is
                widget.set_options(environment_options(settings.ENVIRONMENT))
                widget.value = settings.ENVIRONMENT
                continue
            assert isinstance(widget, Input)
            if spec.kind in ("secret", "secret-url"):
                widget.value = ""
                widget.placeholder = self._secret_placeholder(spec, values.get(spec.name, ""))
            else:
                widget.value = values.get(spec.name, "")
        self.show_origins(origins, settings)
        self.show_errors({})

    @staticmethod
    def _secret_placeholder(spec: FieldSpec, current: str) -> str:
        if not current:
            return NOT_SET
        if spec.kind == "secret-url":
            return f"{masked_url_text(current)} (unchanged)"
        return UNCHANGED

    def field(self, name: str) -> Input | Select[str]:
        return self.query_one(f"#field-{name}")  # type: ignore[return-value]

    def edits(self) -> dict[str, str | None]:
        """Setting name -> text in the form; `None` for a secret left unchanged."""
        result: dict[str, str | None] = {}
        for spec in FIELDS.values():
            widget = self.field(spec.name)
            if isinstance(widget, Select):
                value = widget.value
                result[spec.name] = value if isinstance(value, str) else None
            elif spec.kind in ("secret", "secret-url"):
                if widget.value:
                    result[spec.name] = widget.value
                elif spec.name in self._cleared:
                    result[spec.name] = ""
                else:
                    result[spec.name] = None
            else:
                result[spec.name] = widget.value
        return result

    def show_origins(self, origins: Mapping[str, Origin], live: Settings) -> None:
        """Each field's origin; 'edited' when the form differs from the live settings."""
        live_values = settings_as_env(live)
        for name, value in self.edits().items():
            edited = value is not None and value != live_values.get(name, "")
            text = "edited" if edited else str(origins.get(name, Origin.DEFAULT))
            label = self._set_text(f"origin-{name}", text)
            if label is not None:
                label.set_class(edited, "-edited")
        override = self.field("DATABASE_URL")
        assert isinstance(override, Input)
        preview = f"→ {masked_url_text(override.value)}" if override.value else ""
        self._set_text("hint-DATABASE_URL", preview)

    def show_errors(self, errors: Mapping[str, str]) -> None:
        for name in FIELDS:
            message = errors.get(name, "")
            widget = self._set_text(f"error-{name}", message)
            if widget is not None:
                widget.set_class(bool(message), "-shown")

    def show_target(self, text: str) -> None:
        self._set_text("settings-target", text)

    def _set_text(self, widget_id: str, text: str) -> Static | None:
        """Update a label only when its text changes (each update costs a layout pass)."""
        if self._shown.get(widget_id) == text:
            return None
        self._shown[widget_id] = text
        widget = self.query_one(f"#{widget_id}", Static)
        widget.update(Text(text))
        return widget

    # -- events ----------------------------------------------------------------------------
    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Changed())

    @on(Button.Pressed, ".setting-clear")
    def _clear(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "").removeprefix("clear-")
        self._cleared.add(name)
        widget = self.field(name)
        assert isinstance(widget, Input)
        widget.value = ""
        widget.placeholder = CLEARED
        self.post_message(self.Changed())
