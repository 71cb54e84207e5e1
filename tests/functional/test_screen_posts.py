"""Pilot tests of the Posts screen: create with author picker and tags, slug preview,
validation, duplicate slug, edit, conflict, delete with impact, full-text search, filters,
and the jumps to the author and to a tag's posts."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from tests.conftest import create_pg_database, drop_pg_database
from tests.functional.test_screen_common import (
    add_filter,
    add_post,
    add_user,
    column_values,
    confirm,
    database,
    fill,
    form,
    local_sqlite,
    notifications,
    pick,
    rows,
    running,
    save,
    scalar,
    screen_text,
    search,
    settle,
    table,
    table_lines,
)
from tui.config import Settings, load_settings
from tui.screens.modals import ConfirmScreen, ConflictScreen, FormScreen
from tui.widgets.record_form import TagsField


async def _write(app, sql: str) -> None:
    """A change by someone else, straight in the database."""
    from sqlalchemy import text

    async with app.manager.session() as session:
        await session.execute(text(sql))


async def _blog(manager) -> dict[str, int]:
    ann = await add_user(manager, "ann", full_name="Ann Author")
    ben = await add_user(manager, "ben")
    await add_post(
        manager,
        ann,
        "Quantum gardening",
        content="Tomatoes grow in superposition.",
        published=True,
        tags=["science", "garden"],
    )
    await add_post(manager, ben, "Draft about bees", content="Bees and flowers", tags=["garden"])
    await add_post(manager, ann, "Published notes", published=True)
    return {"ann": ann, "ben": ben}


async def test_create_post_with_author_tags_and_slug_preview() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        people = await _blog(manager)
    async with running(settings, "posts") as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        the_form = form(app)
        assert app.focused is the_form.input_widget("title")
        await pilot.press(*"Hi There")
        slug = the_form.input_widget("slug")
        assert isinstance(slug, Input)
        assert slug.placeholder == "hi-there (from the title)"
        fill(app, title="My First Post!")
        await pilot.pause()
        assert slug.placeholder == "my-first-post (from the title)"

        await pick(app, pilot, "author_id", "be")
        assert the_form.values()["author_id"] == people["ben"]
        tags = the_form.input_widget("tags")
        assert isinstance(tags, TagsField)
        tags.input.focus()
        await pilot.press(*"news", "enter")
        await pilot.press(*"garden,")
        await pilot.pause()
        assert tags.tags == ["news", "garden"]
        fill(app, content="Hello\nworld", is_published=True)
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert await rows(
            manager,
            "select title, slug, author_id, is_published, content from posts "
            "where title = 'My First Post!'",
        ) == [("My First Post!", "my-first-post", people["ben"], 1, "Hello\nworld")]
        assert await rows(
            manager,
            "select t.name from tags t join post_tags pt on pt.tag_id = t.id "
            "join posts p on p.id = pt.post_id where p.slug = 'my-first-post' order by t.name",
        ) == [("garden",), ("news",)]
        lines = "\n".join(table_lines(app))
        assert "my-first-post" in lines and "garden, news" in lines


async def test_post_validation_and_duplicate_slug() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _blog(manager)
    async with running(settings, "posts") as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        await save(app, pilot)
        errors = form(app).errors()
        assert errors == {"title": "required", "author_id": "required: this column cannot be NULL"}

        await pick(app, pilot, "author_id", "ann")
        fill(app, title="Bad\x00title", slug="Not A Slug", content="c" * 100_000)  # 100 KB
        await save(app, pilot)
        errors = form(app).errors()
        assert "NUL" in errors["title"]
        assert "lowercase" in errors["slug"]
        assert "65535" in errors["content"].replace(",", "")
        assert form(app).values()["slug"] == "Not A Slug"  # kept as typed

        fill(app, title="Fine", slug="quantum-gardening", content="c" * 60_000)  # long, fine
        await save(app, pilot)
        assert form(app).errors() == {"slug": "already used by another post"}
        assert await scalar(manager, "select count(*) from posts") == 3

        fill(app, slug="")  # blank: generated from the title, made unique
        fill(app, title="Quantum gardening")
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert (
            await scalar(
                manager, "select length(content) from posts where slug = 'quantum-gardening-2'"
            )
            == 60_000
        )


async def test_edit_post_and_conflict() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _blog(manager)
    async with running(settings, "posts") as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        values = form(app).values()
        assert values["title"] == "Quantum gardening" and values["tags"] == ["garden", "science"]
        assert values["author_id"] == 1 and values["is_published"] is True
        tags = form(app).input_widget("tags")
        assert isinstance(tags, TagsField)
        tags.set_tags(["science", "physics"])
        fill(app, content="Updated")
        await save(app, pilot)
        assert await rows(manager, "select content, version from posts where id = 1") == [
            ("Updated", 2)
        ]
        assert "physics, science" in "\n".join(table_lines(app))

        await pilot.press("enter")
        await settle(app, pilot)
        fill(app, title="Mine")
        await _write(
            app, "update posts set title = 'Theirs', slug = 'theirs', version = 3 where id = 1"
        )
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictScreen)
        assert app.screen.differing_fields == ["title", "slug"]
        await pilot.press("o")
        await settle(app, pilot)
        assert not isinstance(app.screen, (FormScreen, ConflictScreen))
        assert await scalar(manager, "select title from posts where id = 1") == "Mine"


async def test_delete_post_shows_the_impact() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _blog(manager)
    async with running(settings, "posts") as (app, pilot):
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        text = screen_text(app)
        assert "Delete post Quantum gardening permanently?" in text
        assert "This detaches 2 tags. It cannot be undone." in text
        await pilot.press("enter")  # on a freshly opened dialog: cancels
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert await scalar(manager, "select count(*) from posts where id = 1") == 1
        await pilot.press("d")
        await settle(app, pilot)
        await confirm(app, pilot)
        assert await scalar(manager, "select count(*) from posts where id = 1") == 0
        assert await scalar(manager, "select count(*) from tags") == 2  # tags stay
        assert column_values(app, 1) == ["Draft about bees", "Published notes"]


async def test_full_text_search_and_filters() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _blog(manager)
    async with running(settings, "posts") as (app, pilot):
        await search(app, pilot, "superposition")  # in the content only
        assert column_values(app, 1) == ["Quantum gardening"]
        await search(app, pilot, "bee flower")  # prefixes, all words
        assert column_values(app, 1) == ["Draft about bees"]
        await search(app, pilot, '"zz* -( NEAR')  # query syntax is plain text
        assert column_values(app, 1) == [] and app.is_running
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        assert len(column_values(app, 1)) == 3

        await add_filter(app, pilot, "is_published", choice="no")
        assert column_values(app, 1) == ["Draft about bees"]
        assert "Published: no" in screen_text(app)

        await pilot.press("x")
        await add_filter(app, pilot, "author_id", typed="ann")
        assert column_values(app, 1) == ["Quantum gardening", "Published notes"]
        assert "Author: ann" in screen_text(app)
        await add_filter(app, pilot, "is_published", choice="yes")  # both filters hold
        assert column_values(app, 1) == ["Quantum gardening", "Published notes"]
        await add_filter(app, pilot, "tags", typed="sci")
        assert column_values(app, 1) == ["Quantum gardening"]

        await pilot.press("x")
        await add_filter(app, pilot, "tags", typed="gar")
        assert column_values(app, 1) == ["Quantum gardening", "Draft about bees"]
        assert "tags: garden" in screen_text(app)


async def test_jump_to_author_and_to_a_tags_posts() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _blog(manager)
        await add_post(manager, 2, "Bees again", tags=["garden"])
    async with running(settings, "posts") as (app, pilot):
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        assert form(app).values()["username"] == "ann"
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.spec.name == "users"  # the generic screen of the Users table

        await pilot.press("2")
        await settle(app, pilot)
        await pilot.press("j", "number_sign")  # one tag: straight to its posts
        await settle(app, pilot)
        assert column_values(app, 1) == ["Quantum gardening", "Draft about bees", "Bees again"]
        assert "tags: garden" in screen_text(app)

        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press("g", "number_sign")  # two tags: asks which one
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        tag = form(app).input_widget("tag")
        assert isinstance(tag, Select)
        tag.value = "science"
        await save(app, pilot)
        assert column_values(app, 1) == ["Quantum gardening"]
        assert "tags: science" in screen_text(app)

        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press("g", "j", "j")
        await settle(app, pilot)
        assert table(app).current_row.cells[1] == "Published notes"
        await pilot.press("number_sign")  # no tags: a message
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "This post has no tags" in notifications(app)

        await _write(app, "delete from posts where id = 3")  # by someone else meanwhile
        await pilot.press("a")
        await settle(app, pilot)
        assert app.is_running and app.screen.SCREEN_NAME == "Posts"
        assert any("post 3 does not exist" in n for n in notifications(app)), notifications(app)


async def test_tag_completion_adds_the_existing_tag_and_creates_only_by_choice() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        people = await _blog(manager)  # tags: garden, science
    async with running(settings, "posts") as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        fill(app, title="Seeds")
        await pick(app, pilot, "author_id", "ann")
        tags = form(app).input_widget("tags")
        assert isinstance(tags, TagsField)
        tags.input.focus()
        await pilot.press(*"gar")
        await settle(app, pilot)
        assert tags.choices == ["garden", 'create "gar" as a new tag']
        await pilot.press("enter")  # the highlighted tag, not the typed prefix
        await pilot.press(*"sci")
        await settle(app, pilot)
        assert tags.choices == ["science", 'create "sci" as a new tag']
        await pilot.press("down", "enter")  # the explicit choice: a new tag "sci"
        await pilot.pause()
        assert tags.tags == ["garden", "sci"]
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert await rows(
            manager,
            "select t.name from tags t join post_tags pt on pt.tag_id = t.id "
            "join posts p on p.id = pt.post_id where p.title = 'Seeds' and p.author_id = :ann "
            "order by t.name",
            ann=people["ann"],
        ) == [("garden",), ("sci",)]
        assert await rows(manager, "select name from tags order by name") == [
            ("garden",),
            ("sci",),
            ("science",),
        ]


async def test_a_typed_tag_not_added_stops_the_save_until_chosen() -> None:
    """A prefix left in the tag field is no tag: the save says so instead of creating it."""
    settings = local_sqlite()
    async with database(settings) as manager:
        people = await _blog(manager)  # tags: garden, science
    async with running(settings, "posts") as (app, pilot):
        await pilot.press("n")
        await settle(app, pilot)
        fill(app, title="Seeds")
        await pick(app, pilot, "author_id", "ann")
        tags = form(app).input_widget("tags")
        assert isinstance(tags, TagsField)
        tags.input.focus()
        await pilot.press(*"gar")
        await settle(app, pilot)
        await save(app, pilot)
        assert isinstance(app.screen, FormScreen)
        assert "“gar” is not added" in form(app).errors()["tags"]
        assert await rows(manager, "select count(*) from posts where title = 'Seeds'") == [(0,)]
        await pilot.press("enter")  # the highlighted match
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert await rows(
            manager,
            "select t.name from tags t join post_tags pt on pt.tag_id = t.id "
            "join posts p on p.id = pt.post_id where p.title = 'Seeds' and p.author_id = :ann",
            ann=people["ann"],
        ) == [("garden",)]
        assert await rows(manager, "select count(*) from tags where name = 'gar'") == [(0,)]


@pytest.fixture(params=["sqlite", "postgres"])
def blog_settings(request: pytest.FixtureRequest) -> Settings:
    """A writable development database on each backend (a SQLite file, a PostgreSQL one)."""
    if request.param == "sqlite":
        return local_sqlite()
    name = create_pg_database()
    request.addfinalizer(lambda: drop_pg_database(name))
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    return load_settings(None, {"DATABASE_URL": url}, environ={})


async def test_list_columns_tag_filter_and_tags_only_edit(blog_settings: Settings) -> None:
    """On both backends: the author's name (with the key) and the sorted tags in the list,
    the sort by the author's name, full-text search, the tag filter of the filter dialog, the
    slug preview of an edit, an edit of the tags alone (a new tag created, the post's version
    bumped), and a slug cleared on an edit derived again from the title."""
    async with database(blog_settings) as manager:
        people = await _blog(manager)  # Quantum gardening is tagged science, then garden
    ann, ben = f"ann ({people['ann']})", f"ben ({people['ben']})"
    async with running(blog_settings, "posts") as (app, pilot):
        assert table_lines(app)[0].split()[:4] == ["ID", "Title", "Slug", "Author"]
        assert column_values(app, 3) == [ann, ben, ann]
        assert column_values(app, 5) == ["garden, science", "garden", ""]
        await pilot.press("right", "right", "right", "s", "s")  # by the author's name, down
        await settle(app, pilot)
        assert column_values(app, 3) == [ben, ann, ann]
        assert "sort Author (username) ↓" in screen_text(app)
        await search(app, pilot, "superposition tomatoes")  # in the content, every word
        assert column_values(app, 1) == ["Quantum gardening"]
        await pilot.press("escape", "escape")
        await settle(app, pilot)

        await add_filter(app, pilot, "tags", typed="sci")
        assert column_values(app, 1) == ["Quantum gardening"]
        assert "tags: science" in screen_text(app)

        await pilot.press("enter")
        await settle(app, pilot)
        slug = form(app).input_widget("slug")
        assert isinstance(slug, Input)
        fill(app, title="Quantum Ärger")  # typed: the preview follows (the slug is not blank)
        await pilot.pause()
        assert slug.placeholder == "quantum-arger (from the title)"
        fill(app, title="Quantum gardening")
        tags = form(app).input_widget("tags")
        assert isinstance(tags, TagsField)
        tags.set_tags(["science", "physics"])
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert await rows(manager, "select title, slug, version from posts where id = 1") == [
            ("Quantum gardening", "quantum-gardening", 2)
        ]
        assert await rows(
            manager,
            "select t.name from tags t join post_tags pt on pt.tag_id = t.id "
            "where pt.post_id = 1 order by t.name",
        ) == [("physics",), ("science",)]
        assert column_values(app, 5) == ["physics, science"]

        await pilot.press("enter")
        await settle(app, pilot)
        fill(app, title="Gardens of Ærø", slug="")
        await save(app, pilot)
        assert await rows(manager, "select slug from posts where id = 1") == [("gardens-of-aero",)]
