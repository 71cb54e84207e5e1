"""Pilot tests of the Tags screen: create, rename, duplicate names, merge, delete with impact,
search, sort, and the posts of a tag."""

from __future__ import annotations

from tests.functional.pilot_waits import wait_until
from tests.functional.test_screen_common import (
    add_post,
    add_tags,
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
    run_command,
    running,
    save,
    scalar,
    screen_text,
    search,
    settle,
    table_lines,
)
from tui.screens.modals import ConfirmScreen, FormScreen, HelpScreen


async def _tagged(manager) -> None:
    author = await add_user(manager, "ann")
    await add_tags(manager, ["python", "rust", "unused"])
    await add_post(manager, author, "Snakes", tags=["python"])
    await add_post(manager, author, "Crabs", tags=["rust"])
    await add_post(manager, author, "Both", tags=["python", "rust"])


async def test_create_rename_and_duplicate_names() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _tagged(manager)
    async with running(settings, "tags") as (app, pilot):
        assert column_values(app, 1) == ["python", "rust", "unused"]
        assert column_values(app, 2) == ["2", "2", "0"]

        await pilot.press("n")
        await settle(app, pilot)
        assert app.focused is form(app).input_widget("name")
        await pilot.press(*"rust")
        await save(app, pilot)
        assert form(app).errors() == {"name": "already taken"}
        fill(app, name="bad,name")
        await save(app, pilot)
        assert "commas" in form(app).errors()["name"]
        fill(app, name="go")
        await save(app, pilot)
        assert not isinstance(app.screen, FormScreen)
        assert await scalar(manager, "select count(*) from tags") == 4
        assert "go" in column_values(app, 1)

        await pilot.press("g", "enter")  # rename python
        await settle(app, pilot)
        assert form(app).values() == {"name": "python"}
        fill(app, name="unused")
        await save(app, pilot)
        assert form(app).errors() == {"name": "already taken"}
        fill(app, name="py")
        await save(app, pilot)
        assert await rows(manager, "select name, version from tags where id = 1") == [("py", 2)]
        assert column_values(app, 1)[0] == "py"

        await run_command(app, pilot, "Posts (Tags)")  # the palette's entry of `p`
        await settle(app, pilot)
        assert app.screen.SCREEN_NAME == "Posts"
        assert column_values(app, 1) == ["Snakes", "Both"]


async def test_merge_and_delete_with_impact() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _tagged(manager)
    async with running(settings, "tags") as (app, pilot):
        for answer in ("enter", "deliberately"):
            await pilot.press("j", "m")  # merge rust into python
            await settle(app, pilot)
            assert isinstance(app.screen, FormScreen)
            await pick(app, pilot, "target", "py")
            await save(app, pilot)
            assert isinstance(app.screen, ConfirmScreen)
            assert "Posts tagged rust get python instead (2 posts)." in screen_text(app)
            if answer == "enter":  # on a freshly opened dialog: cancels
                await pilot.press("enter")
                await settle(app, pilot)
                assert not isinstance(app.screen, ConfirmScreen)
                assert await rows(manager, "select name from tags order by id") == [
                    ("python",),
                    ("rust",),
                    ("unused",),
                ]
                await pilot.press("g")
            else:
                await confirm(app, pilot)
        # the merge's worker ends after the dialog has closed
        merged = "Merged rust into python"
        await wait_until(pilot, lambda: merged in notifications(app), f"{merged!r} said")
        await settle(app, pilot)
        assert await rows(
            manager,
            "select p.title from posts p join post_tags pt on pt.post_id = p.id "
            "join tags t on t.id = pt.tag_id where t.name = 'python' order by p.id",
        ) == [("Snakes",), ("Crabs",), ("Both",)]
        assert column_values(app, 1) == ["python", "unused"]
        assert column_values(app, 2) == ["3", "0"]

        await pilot.press("g", "d")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Delete tag python permanently?" in text
        assert "This removes the tag from 3 posts. It cannot be undone." in text
        await confirm(app, pilot)
        assert await rows(manager, "select name from tags") == [("unused",)]
        assert await scalar(manager, "select count(*) from posts") == 3  # posts stay
        assert await scalar(manager, "select count(*) from post_tags") == 0
        await pilot.press("d")
        await settle(app, pilot)
        assert "This is not used by any post." in screen_text(app)


async def test_search_sort_and_posts_of_a_tag() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await _tagged(manager)
        await add_tags(manager, ["Rusty_Nail", "a%b"])
    async with running(settings, "tags") as (app, pilot):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Merge (Tags)", "Posts (Tags)", "New tag (Tags)"} <= set(titles)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        described = {keys for keys, _description, _where in app.screen.rows}
        assert {"m", "p"} <= described
        await pilot.press("escape")
        await settle(app, pilot)

        await search(app, pilot, "RUST")
        assert column_values(app, 1) == ["rust", "Rusty_Nail"]
        await search(app, pilot, "%")  # wildcards are plain text
        assert column_values(app, 1) == ["a%b"]
        await pilot.press("escape", "escape")
        await settle(app, pilot)

        await pilot.press("right", "s", "s")  # name, descending
        await settle(app, pilot)
        names = [n for (n,) in await rows(manager, "select name from tags order by name desc")]
        assert column_values(app, 1) == names
        await pilot.press("right", "s")  # the post count is not sortable: a message
        await settle(app, pilot)
        assert "Name ▼" in table_lines(app)[0]
        assert "Cannot sort by Posts" in notifications(app)

        await pilot.press("g", "left")
        for _ in range(names.index("rust")):
            await pilot.press("j")
        await pilot.press("p")
        await settle(app, pilot)
        assert app.screen.SCREEN_NAME == "Posts"
        assert column_values(app, 1) == ["Crabs", "Both"]
        assert "tags: rust" in screen_text(app)  # the tag's name, though it filters by id
