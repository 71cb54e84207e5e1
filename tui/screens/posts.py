"""The Posts screen: full-text search, filters, tags, slug from title, jumps to author/tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widgets import Input

from tui.repositories.base import Query
from tui.repositories.posts import PostRepository
from tui.repositories.slugs import slugify
from tui.repositories.tags import TagRepository
from tui.repositories.users import UserRepository
from tui.screens.entity import EntityScreen, EntitySpec
from tui.screens.modals import FormScreen
from tui.widgets.record_form import FormField
from tui.widgets.record_table import Column

if TYPE_CHECKING:
    from tui.app import DbTuiApp

PUBLISHED_OPTIONS = [("Published", True), ("Draft", False)]


async def search_authors(screen: EntityScreen, text: str) -> Sequence[tuple[Any, str]]:
    """(id, username) of users matching `text`, for the author picker."""
    async with screen.dbapp.manager.read_session() as session:
        users = await UserRepository(session).suggest(text)
    return [(user.id, user.username) for user in users]


async def search_tags(screen: EntityScreen, text: str) -> Sequence[tuple[Any, str]]:
    """(name, name) of tags starting with `text`, for tag completion."""
    async with screen.dbapp.manager.read_session() as session:
        names = await TagRepository(session).suggest(text)
    return [(name, name) for name in names]


def _author_field(screen: EntityScreen, *, required: bool) -> FormField:
    """The author picker (post form and filter)."""
    return FormField(
        "author_id",
        "Author",
        kind="picker",
        required=required,
        placeholder="type to search users",
        search=lambda text: search_authors(screen, text),
    )


def _form_fields(screen: EntityScreen, new: bool) -> list[FormField]:
    from tui.schemas.text import MAX_CONTENT

    return [
        FormField("title", "Title", required=True, max_length=200),
        FormField("slug", "Slug", max_length=250, placeholder="generated from the title", help=""),
        _author_field(screen, required=True),
        FormField("is_published", "Published", kind="switch"),
        FormField(
            "tags",
            "Tags",
            kind="tags",
            search=lambda text: search_tags(screen, text),
        ),
        FormField("content", "Content", kind="textarea", max_length=MAX_CONTENT),
    ]


def _to_form(post: Any) -> dict[str, Any]:
    return {
        "title": post.title,
        "slug": post.slug,
        "author_id": (post.author_id, post.author),
        "is_published": post.is_published,
        "tags": list(post.tags),
        "content": post.content,
    }


def _to_input(values: dict[str, Any], new: bool) -> dict[str, Any]:
    """Form values → repository input; for an edit `values` holds only the changed fields."""
    names = ("title", "content", "is_published", "author_id")
    data = {name: values[name] for name in names if name in values}
    if new or "slug" in values:  # blank: derived from the title
        data["slug"] = (values.get("slug") or "").strip() or None
    if new or "tags" in values:
        data["tags"] = list(values.get("tags") or [])
    return data


def _filter_fields(screen: EntityScreen) -> list[FormField]:
    return [
        FormField("published", "Published", kind="select", options=PUBLISHED_OPTIONS),
        _author_field(screen, required=False),
        FormField(
            "tag",
            "Tag",
            kind="picker",
            placeholder="type to search tags",
            search=lambda text: search_tags(screen, text),
        ),
    ]


SPEC = EntitySpec(
    kind="post",
    plural="posts",
    repository=PostRepository,
    columns=(
        Column("id", "ID", 7, align="right"),
        Column("title", "Title", 40),
        Column("slug", "Slug", 28),
        Column("author_id", "Author", 16, sortable=False),  # a name: no index to sort by
        Column("is_published", "Pub", 5, align="center"),
        Column("tags", "Tags", 24, sortable=False),
        Column("created_at", "Created", 19),
    ),
    cells=lambda p: (
        p.id,
        p.title,
        p.slug,
        p.author,
        p.is_published,
        ", ".join(p.tags),
        p.created_at,
    ),
    label=lambda p: p.title,
    form_fields=_form_fields,
    to_form=_to_form,
    to_input=_to_input,
    filter_fields=_filter_fields,
    export_fields=(
        "id",
        "title",
        "slug",
        "author_id",
        "author",
        "is_published",
        "tags",
        "created_at",
    ),
    search_hint="full-text search in titles and content — enter to apply, escape to clear",
)


class PostFormScreen(FormScreen):
    """The post form: while the slug is empty, its placeholder previews the title's slug."""

    @on(Input.Changed)
    def _title_changed(self, event: Input.Changed) -> None:
        form = self.form
        if event.input is not form.input_widget("title"):
            return
        slug = form.input_widget("slug")
        assert isinstance(slug, Input)
        preview = slugify(event.value) if event.value.strip() else ""
        slug.placeholder = f"{preview} (from the title)" if preview else "generated from the title"


class PostsScreen(EntityScreen):
    """Posts: `a` opens the author, `#` lists the posts of one of this post's tags."""

    SCREEN_NAME = "Posts"
    SPEC = SPEC
    FORM_SCREEN = PostFormScreen
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "author", "Author", id="posts.author", tooltip="Open this post's author"),
        Binding(
            "number_sign", "tag_posts", "Tag's posts", id="posts.tag", tooltip="Posts of a tag"
        ),
    ]

    # Workers: they query the database (and may wait on a modal); a failure becomes a
    # notification instead of an exception in the message loop, which would close the app.
    @work(exclusive=True, group="posts-jump", exit_on_error=False)
    async def action_author(self) -> None:
        row_id = self.current_id()
        if row_id is None:
            return
        post = await self._get(row_id)
        await self.app.switch_mode("users")
        self.app.screen.open_record(post.author_id)

    @work(exclusive=True, group="posts-jump", exit_on_error=False)
    async def action_tag_posts(self) -> None:
        row_id = self.current_id()
        if row_id is None:
            return
        post = await self._get(row_id)
        if not post.tags:
            self.notify("This post has no tags", severity="warning")
            return
        if len(post.tags) == 1:
            self.set_query(Query(filters={"tag": post.tags[0]}))
            return
        options = [(name, name) for name in post.tags]
        field = FormField("tag", "Tag", kind="select", required=True, options=options)
        chosen = await self.app.push_screen_wait(
            FormScreen("Posts of which tag?", [field], {"tag": post.tags[0]})
        )
        if chosen and chosen.get("tag"):
            self.set_query(Query(filters={"tag": chosen["tag"]}))


async def show_posts(app: DbTuiApp, label: str | None = None, **filters: Any) -> None:
    """Switch to the Posts screen showing the posts that match `filters` (one filter by id:
    `label` names its value, e.g. the author's username)."""
    await app.switch_mode("posts")
    screen = app.screen
    assert isinstance(screen, PostsScreen)
    labels = {name: (value, label) for name, value in filters.items()} if label else None
    screen.set_query(Query(filters=filters), labels)


SCREEN = PostsScreen
