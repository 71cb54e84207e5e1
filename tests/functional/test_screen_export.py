"""Export safety through the pilot: spreadsheet formulas neutralised in CSV unless raw values
are asked for, JSON written as stored, and an existing file replaced only when the user says so."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, Label

from tests.functional.pilot_waits import shown, wait_for_screen, wait_until
from tests.functional.test_screen_common import add_users, database, local_sqlite, running, settle
from tui.app import DbTuiApp
from tui.screens.export_dialog import ExportScreen
from tui.screens.modals import ConfirmScreen

#: Full names a spreadsheet would run as formulas, and what the CSV must hold for each.
FORMULAS = {
    "eq": ("=1+2", "'=1+2"),
    "plus": ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    "minus": ("-2+3", "'-2+3"),
    "at": ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    "tab": ("\t=1", "'\t=1"),
    "cr": ("\r=1", "'\r=1"),
    "plain": ("Ann = 1 + 2", "Ann = 1 + 2"),  # a formula sign inside the text is harmless
}
NEGATIVE_ID = -7


async def open_export(app: DbTuiApp, pilot: Pilot, name: str) -> ExportScreen:
    await pilot.press("e")
    await wait_for_screen(app, pilot, ExportScreen)
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    screen.query_one("#answer", Input).value = name
    return screen


def csv_by_username(path: str) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["username"]: row for row in csv.DictReader(handle)}


async def test_csv_export_neutralises_formulas_unless_raw_values_are_asked() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        for username, (full_name, _) in FORMULAS.items():
            await add_users(manager, [username], full_name=full_name)
        await add_users(manager, ["negative"], id=NEGATIVE_ID, full_name="-3")
    async with running(settings) as (app, pilot):
        await open_export(app, pilot, "users.csv")
        await pilot.press("enter")
        await settle(app, pilot)
        protected = csv_by_username("users.csv")
        for username, (_, cell) in FORMULAS.items():
            assert protected[username]["full_name"] == cell, username
        assert protected["negative"]["id"] == str(NEGATIVE_ID)  # a number, not a formula
        assert protected["negative"]["full_name"] == "'-3"  # the same sign in a text cell

        screen = await open_export(app, pilot, "raw.csv")
        checkbox = screen.query_one("#raw", Checkbox)
        assert "Raw values (no formula protection)" in str(checkbox.render())
        assert not checkbox.value  # protection is on by default
        await pilot.press("tab", "space")  # the user ticks "raw values"
        assert checkbox.value
        await pilot.click("#submit")
        await settle(app, pilot)
        raw = csv_by_username("raw.csv")
        for username, (full_name, _) in FORMULAS.items():
            assert raw[username]["full_name"] == full_name, username
        assert raw["negative"]["id"] == str(NEGATIVE_ID)

        await open_export(app, pilot, "users.json")  # JSON is written as stored
        await pilot.press("enter")
        await settle(app, pilot)
        data = json.loads(Path("users.json").read_text(encoding="utf-8"))
        names = {user["username"]: user["full_name"] for user in data}
        assert {u: names[u] for u in FORMULAS} == {u: v for u, (v, _) in FORMULAS.items()}
        assert [u["id"] for u in data if u["username"] == "negative"] == [NEGATIVE_ID]


async def test_export_asks_before_replacing_an_existing_file() -> None:
    settings = local_sqlite()
    async with database(settings) as manager:
        await add_users(manager, ["ann", "ben"])
    target = Path("users.csv")
    target.write_text("my own notes\n", encoding="utf-8")
    async with running(settings) as (app, pilot):
        dialog = await open_export(app, pilot, "users.csv")
        await pilot.press("enter")
        await wait_for_screen(app, pilot, ConfirmScreen)
        assert shown(app.screen, "#title") == "Replace users.csv?"
        assert "already exists" in shown(app.screen, "#body")
        await pilot.press("escape")  # no: the file stays as it was
        await wait_until(pilot, lambda: app.screen is dialog, "the export dialog again")
        assert "users.csv was kept" in str(dialog.query_one("#error", Label).render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert target.read_text(encoding="utf-8") == "my own notes\n"
        assert not isinstance(app.screen, ExportScreen | ConfirmScreen)

        await open_export(app, pilot, "users.csv")
        await pilot.press("enter")
        await wait_for_screen(app, pilot, ConfirmScreen)
        await pilot.click("#confirm")  # yes: replaced by the export
        await settle(app, pilot)
        assert set(csv_by_username("users.csv")) == {"ann", "ben"}
