"""Pilot tests of the Posts screen: create with author picker and tags, slug preview,
validation, duplicate slug, edit, conflict, delete with impact, full-text search, filters,
and the jumps to the author and to a tag's posts."""

from __future__ import annotations

from textual.widgets import Input, Select

from tests.functional.test_screen_common import (
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
from tui.repositories.posts import PostRepository
from tui.screens.modals import ConfirmScreen, ConflictScreen, FormScreen
from tui.widgets.record_form import TagsField


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
        assert errors == {"title": "Title is required", "author_id": "Author is required"}

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
        async with app.manager.session() as session:
            await PostRepository(session).update(1, {"title": "Theirs", "slug": ""}, 2)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConflictScreen)
        assert app.screen.differing_fields == ["title", "slug"]  # their blank slug: a new one
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

        await pilot.press("f")
        await settle(app, pilot)
        published = form(app).input_widget("published")
        assert isinstance(published, Select)
        published.value = False
        await save(app, pilot)
        assert column_values(app, 1) == ["Draft about bees"]

        await pilot.press("f")
        await settle(app, pilot)
        form(app).input_widget("published").clear()
        await pick(app, pilot, "author_id", "ann")
        await save(app, pilot)
        assert column_values(app, 1) == ["Quantum gardening", "Published notes"]
        assert "author=ann" in screen_text(app)

        await pilot.press("f")
        await settle(app, pilot)
        fill(app, author_id=None)
        await pick(app, pilot, "tag", "gar")
        await save(app, pilot)
        assert column_values(app, 1) == ["Quantum gardening", "Draft about bees"]
        assert "tag=garden" in screen_text(app)


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
        assert "tag=garden" in screen_text(app)

        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        fill(app, tag=None)
        await save(app, pilot)
        await pilot.press("g", "number_sign")  # two tags: asks which one
        await settle(app, pilot)
        assert isinstance(app.screen, FormScreen)
        tag = form(app).input_widget("tag")
        assert isinstance(tag, Select)
        tag.value = "science"
        await save(app, pilot)
        assert column_values(app, 1) == ["Quantum gardening"]

        await pilot.press("f")
        await settle(app, pilot)
        fill(app, tag=None)
        await save(app, pilot)
        await pilot.press("g", "j", "j")
        await settle(app, pilot)
        assert table(app).current_row.cells[1] == "Published notes"
        await pilot.press("number_sign")  # no tags: a message
        await settle(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "This post has no tags" in notifications(app)

        async with app.manager.session() as session:  # deleted by someone else meanwhile
            await PostRepository(session).delete(3)
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
