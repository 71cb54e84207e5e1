"""The Users screen: users with their profile, soft delete and trash, drill-down to posts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType

from tui.db.tables import UserStatus
from tui.repositories.users import UserRepository
from tui.screens.entity import EntityScreen, EntitySpec
from tui.widgets.record_table import Column

if TYPE_CHECKING:  # the form widgets load when a form opens, not with the list
    from tui.widgets.record_form import FormField

STATUS_OPTIONS = [(status.value.capitalize(), status.value) for status in UserStatus]
PROFILE_FIELDS = ("bio", "avatar_url", "location")


def _form_fields(screen: EntityScreen, new: bool) -> list[FormField]:
    from tui.schemas.text import MAX_BIO
    from tui.widgets.record_form import FormField

    password_hint = "at least 8 characters" if new else "blank keeps the current password"
    return [
        FormField("username", "Username", required=True, max_length=50),
        FormField("email", "Email", required=True, max_length=255),
        FormField("full_name", "Full name", max_length=100),
        FormField("password", "Password", kind="password", required=new, placeholder=password_hint),
        FormField("status", "Status", kind="select", required=True, options=STATUS_OPTIONS),
        FormField("bio", "Bio", kind="textarea", max_length=MAX_BIO),
        FormField("avatar_url", "Avatar URL", max_length=500, placeholder="https://…"),
        FormField("location", "Location", max_length=100),
    ]


def _filter_fields(screen: EntityScreen) -> list[FormField]:
    from tui.widgets.record_form import FormField

    return [FormField("status", "Status", kind="select", options=STATUS_OPTIONS)]


def _to_form(user: Any) -> dict[str, Any]:
    profile = user.profile
    return {
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name or "",
        "password": "",
        "status": user.status.value,
        **{name: (getattr(profile, name) or "") if profile else "" for name in PROFILE_FIELDS},
    }


def _to_input(values: dict[str, Any], new: bool) -> dict[str, Any]:
    """Form values → repository input; for an edit `values` holds only the changed fields."""
    names = ("username", "email", "full_name", "status")
    data = {name: values[name] for name in names if name in values}
    if new or "password" in values:
        data["password"] = values.get("password") or ""
    profile = {name: values[name] or None for name in PROFILE_FIELDS if name in values}
    if profile and (not new or any(profile.values())):
        data["profile"] = profile
    return data


SPEC = EntitySpec(
    kind="user",
    plural="users",
    repository=UserRepository,
    columns=(
        Column("id", "ID", 7, align="right"),
        Column("username", "Username", 20),
        Column("email", "Email", 30),
        Column("full_name", "Full name", 24),
        Column("status", "Status", 10),
        Column("created_at", "Created", 19),
    ),
    cells=lambda u: (u.id, u.username, u.email, u.full_name, u.status.value, u.created_at),
    label=lambda u: u.username,
    form_fields=_form_fields,
    to_form=_to_form,
    to_input=_to_input,
    filter_fields=_filter_fields,
    export_fields=("id", "username", "email", "full_name", "status", "created_at", "deleted_at"),
    soft_delete=True,
    search_hint="search username, email or full name — enter to apply, escape to clear",
    error_fields={
        **{f"profile.{name}": name for name in PROFILE_FIELDS},
        # "__root__" is shown as the form's own message (record_form.FORM_ERROR_KEY)
        "profile": "__root__",
    },
)


class UsersScreen(EntityScreen):
    """Users: `p` lists the current user's posts."""

    SCREEN_NAME = "Users"
    SPEC = SPEC
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "posts", "Posts", id="users.posts", tooltip="This user's posts"),
    ]

    async def action_posts(self) -> None:
        row = self.table.current_row
        if row is None:
            return
        from tui.demo.posts import show_posts

        await show_posts(self.dbapp, self.current_cell("username"), author_id=row.id)


SCREEN = UsersScreen
