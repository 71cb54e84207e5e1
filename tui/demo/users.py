"""Users: named by username; a password hashed with pwdlib (never shown, blank keeps it); the
profile's bio, avatar URL and location in the same form; usernames and emails unique without
regard to case; `p` lists the user's posts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, or_, select, update

from tui.db.tables import user_profiles, users, utcnow
from tui.entities.admin import AdminAction, TableAdmin

if TYPE_CHECKING:  # the hasher and the form load with the first form, not with the list
    from pwdlib import PasswordHash
    from sqlalchemy.ext.asyncio import AsyncSession

    from tui.entities.impact import DeleteImpact
    from tui.fields import FormField
    from tui.screens.table import TableScreen

USER_FIELDS = ("username", "email", "full_name", "status")
PROFILE_FIELDS = ("bio", "avatar_url", "location")
DUPLICATE = {"username": "already taken", "email": "already used by another user"}

_hasher: PasswordHash | None = None


def default_hasher() -> PasswordHash:
    """The recommended pwdlib hasher (argon2), built once."""
    global _hasher
    if _hasher is None:
        from pwdlib import PasswordHash

        _hasher = PasswordHash.recommended()
    return _hasher


async def duplicates(
    session: AsyncSession, names: Mapping[str, str | None], exclude_id: int | None = None
) -> dict[str, str]:
    """Messages for the `names` (``username``/``email`` -> value) another user, live or in the
    trash, already has, compared by the database's `lower()` as the unique indexes compare
    them (SQLite's folds ASCII letters only; see `tui.db.tables`)."""
    same = {
        field: func.lower(users.c[field]) == func.lower(value)
        for field, value in names.items()
        if value is not None
    }
    if not same:
        return {}
    statement = select(users.c.deleted_at, *(match.label(f) for f, match in same.items()))
    statement = statement.where(or_(*same.values()))
    if exclude_id is not None:
        statement = statement.where(users.c.id != exclude_id)
    errors: dict[str, str] = {}
    for other in (await session.execute(statement)).all():
        where = " (by a user in the trash)" if other.deleted_at is not None else ""
        for field in same:
            if other._mapping[field]:
                errors[field] = DUPLICATE[field] + where
    return errors


def _profile(values: Mapping[str, Any], *, new: bool) -> dict[str, Any] | None:
    """The profile fields given (an edit: the changed ones; a new user: when one is set)."""
    profile = {name: values[name] for name in PROFILE_FIELDS if name in values}
    return profile if profile and (not new or any(profile.values())) else None


def _parse_user(values: Mapping[str, Any], *, new: bool) -> Any:
    """`values` (the form's, extras included) checked by the user schemas; errors are named
    by form field (``profile.bio`` -> ``bio``)."""
    from tui.schemas.errors import FieldErrors, parse
    from tui.schemas.users import UserCreate, UserUpdate

    data = {name: values[name] for name in USER_FIELDS if name in values}
    if new or "password" in values:
        data["password"] = values.get("password") or ""
    if (profile := _profile(values, new=new)) is not None:
        data["profile"] = profile
    try:
        return parse(UserCreate if new else UserUpdate, data)
    except FieldErrors as errors:
        named = {n.removeprefix("profile."): m for n, m in errors.errors.items()}
        raise FieldErrors(
            {"__root__" if n == "profile" else n: m for n, m in named.items()}
        ) from None


async def show_posts(screen: TableScreen) -> None:
    """The Posts screen, filtered by the current user."""
    from tui.demo.posts import show_posts

    values = screen.current_values()
    if values is not None:
        await show_posts(screen.dbapp, str(values["username"]), author_id=values["id"])


class UserAdmin(TableAdmin):
    """The demo's users: the password and profile in the form, no hash anywhere on screen."""

    singular = "user"
    label_column = "username"
    list_columns = ("id", "username", "email", "full_name", "status", "created_at")
    labels = {
        "id": "ID",
        "username": "Username",
        "email": "Email",
        "full_name": "Full name",
        "status": "Status",
        "created_at": "Created",
    }
    widths = {"id": 7, "username": 20, "email": 30, "full_name": 24, "status": 10}
    search_columns = ("username", "email", "full_name")
    empty_hint = (
        "No users yet. Press n to create one, or fill the database with demo data: "
        "ctrl+p → “Seed demo data” (or `dbtui seed` in a shell)."
    )
    form_columns = (*USER_FIELDS[:3], "password", "status", *PROFILE_FIELDS)
    actions = (AdminAction("p", "posts", "Posts", "This user's posts", show_posts),)

    def extra_fields(self, screen: TableScreen, *, new: bool) -> Sequence[FormField]:
        from tui.fields import FormField
        from tui.schemas.text import MAX_BIO

        hint = "at least 8 characters" if new else "blank keeps the current password"
        return (
            FormField("password", "Password", kind="password", required=new, placeholder=hint),
            FormField("bio", "Bio", kind="textarea", max_length=MAX_BIO),
            FormField("avatar_url", "Avatar URL", max_length=500, placeholder="https://…"),
            FormField("location", "Location", max_length=100),
        )

    async def extra_values(self, session: AsyncSession, key: tuple[Any, ...]) -> dict[str, Any]:
        columns = [user_profiles.c[name] for name in PROFILE_FIELDS]
        statement = select(*columns).where(user_profiles.c.user_id == key[0])
        found = (await session.execute(statement)).first()
        profile = found._mapping if found is not None else {}
        return {"password": "", **{name: profile.get(name) or "" for name in PROFILE_FIELDS}}

    def to_row(self, values: dict[str, Any], *, new: bool) -> dict[str, Any]:
        user = _parse_user(values, new=new)
        given = USER_FIELDS if new else user.model_fields_set
        row = {name: getattr(user, name) for name in USER_FIELDS if name in given}
        if user.password is not None:
            row["hashed_password"] = default_hasher().hash(user.password.get_secret_value())
        if not new and not row and user.profile is not None:
            row["updated_at"] = utcnow()  # the profile is the user's: its version is checked
        return row

    async def before_save(
        self, session: AsyncSession, key: tuple[Any, ...] | None, row: dict[str, Any], *, new: bool
    ) -> dict[str, Any]:
        """Refuse a username or email another user has in any case (trash included)."""
        from tui.schemas.errors import FieldErrors

        names = {name: row.get(name) for name in DUPLICATE}
        errors = await duplicates(session, names, None if key is None else key[0])
        if errors:
            raise FieldErrors(errors)
        return row

    def impact_text(self, impact: DeleteImpact) -> str:
        """``This deletes 3 posts, 1 profile.``"""
        from tui.entities.impact import plural

        count = {impact.details[i.foreign_key].source: i.count for i in impact.cascades}
        kinds = (("post", count.get("posts", 0)), ("profile", count.get("user_profiles", 0)))
        parts = [f"{n:,} {plural(kind, n)}" for kind, n in kinds if n]
        if not parts:
            return "This deletes nothing else (no posts, no profile)."
        return f"This deletes {', '.join(parts)}."

    async def after_save(
        self, session: AsyncSession, key: tuple[Any, ...], values: Mapping[str, Any], *, new: bool
    ) -> None:
        """Write the profile fields given; a profile row is made when one of them is set."""
        from tui.schemas.errors import parse
        from tui.schemas.users import ProfileChanges, ProfileData

        given = _profile(values, new=new)  # checked by `to_row` already
        if given is None:
            return
        schema = ProfileData if new else ProfileChanges
        fields = parse(schema, given).model_dump(exclude_unset=not new)
        mine = user_profiles.c.user_id == key[0]
        if (await session.execute(select(user_profiles.c.id).where(mine))).first() is not None:
            await session.execute(update(user_profiles).where(mine).values(fields))
        elif any(value is not None for value in fields.values()):
            await session.execute(insert(user_profiles).values(user_id=key[0], **fields))


__all__ = ["UserAdmin", "default_hasher", "duplicates"]
