"""The generic widgets of the Migrations screen: RevisionList and LogPane, in a small app."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.color import Color

from tui.widgets.log_pane import MAX_LINES, LogPane
from tui.widgets.revision_list import MarkedRow, MarkerStyle, RevisionList


class ListApp(App[None]):
    def __init__(self, **marker_styles: MarkerStyle) -> None:
        super().__init__()
        self.highlighted: list[str | None] = []
        self.marker_styles = {"current": MarkerStyle("● current", "bold"), **marker_styles}

    def compose(self) -> ComposeResult:
        yield RevisionList(
            ("Id", "Message"),
            marker_styles=self.marker_styles,
            markers_title="State",
            markers_after=1,
        )
        yield LogPane()

    def on_revision_list_highlighted(self, event: RevisionList.Highlighted) -> None:
        self.highlighted.append(event.key)


ROWS = [
    MarkedRow("c", ("c", "[bold]not markup[/]"), ("pending",)),
    MarkedRow("b", ("b", "line\nbreak \x1b[31m"), ("current", "head")),
    MarkedRow("a", ("a", "x" * 100), ()),
]


async def test_rows_are_literal_and_the_cursor_keeps_its_key() -> None:
    app = ListApp()
    async with app.run_test() as pilot:
        table = app.query_one(RevisionList)
        table.set_rows(ROWS)
        await pilot.pause()
        assert [c.label.plain for c in table.ordered_columns] == ["Id", "State", "Message"]
        assert table.get_row("c")[2].plain == "[bold]not markup[/]"
        assert table.get_row("b")[2].plain == "line\\nbreak \\x1b[31m"
        assert table.get_row("b")[1].plain == "● current head"
        assert len(table.get_row("a")[2].plain) <= 38
        assert table.selected_key == "c"

        await pilot.press("j")
        await pilot.pause()
        assert table.selected_key == "b"
        assert app.highlighted[-1] == "b"

        # A reload keeps the cursor on the same key, even when rows move.
        table.set_rows([ROWS[2], ROWS[0], ROWS[1]])
        await pilot.pause()
        assert table.selected_key == "b"
        table.set_rows([])
        await pilot.pause()
        assert table.selected_key is None
        assert app.highlighted[-1] is None


async def test_log_pane_is_literal_and_bounded() -> None:
    app = ListApp()
    async with app.run_test() as pilot:
        log = app.query_one(LogPane)
        log.begin("upgrade")
        log.error("revision [red]x[/] failed\x07")
        await pilot.pause()
        assert log.entries[-1] == ("revision [red]x[/] failed\\x07", "bold $text-error")
        for number in range(MAX_LINES + 10):
            log.line(f"line {number}")
        assert len(log.entries) == MAX_LINES
        assert log.entries[-1][0] == f"line {MAX_LINES + 9}"


def _colour_of(app: App[None], variable: str) -> str:
    return Color.parse(app.get_css_variables()[variable]).hex.lower()


async def test_colours_follow_the_theme() -> None:
    app = ListApp(head=MarkerStyle("head", "bold $text-warning"))
    async with app.run_test() as pilot:
        table = app.query_one(RevisionList)
        table.set_rows(ROWS)
        log = app.query_one(LogPane)
        log.error("failed")
        await pilot.pause()
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            await pilot.pause()
            await pilot.pause()
            markers = table.get_row("b")[1]
            head = next(s.style for s in markers.spans if markers.plain[s.start : s.end] == "head")
            assert str(head.color.name).lower() == _colour_of(app, "text-warning"), theme
            drawn = [seg.style for seg in log.lines[-1] if seg.text.strip() and seg.style]
            assert drawn and str(drawn[0].color.name).lower() == _colour_of(app, "text-error")
