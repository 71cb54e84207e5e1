"""What quitting now would lose: forms with unsaved changes and work that is writing.

`WRITING_GROUPS` is the one list of the worker groups (the `group=` of the `@work` decorators
and `run_worker` calls) whose work writes to the database or to a file; a new writing worker
belongs in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerState

#: Worker group → what its work is called, for a person ("… is in progress").
WRITING_GROUPS: Mapping[str, str] = {
    "form-save": "A save",
    "entity-delete": "A delete",
    "tags-merge": "A tag merge",
    "table-delete": "A delete",
    "table-write": "A write",
    "table-export": "An export",
    "seed": "Seeding demo data",
    "migration-flow": "A migration",
    "entity-export": "An export",
}


def writes_in_progress(workers: Iterable[Worker[Any]]) -> list[str]:
    """What the pending or running writing workers among `workers` do, each named once."""
    busy = (WorkerState.PENDING, WorkerState.RUNNING)
    found: list[str] = []
    for worker in workers:
        what = WRITING_GROUPS.get(worker.group)
        if what is not None and worker.state in busy and what not in found:
            found.append(what)
    return found


def unsaved_forms(app: App[Any]) -> list[str]:
    """Titles of the open forms, in any mode's screen stack, that have unsaved changes."""
    from tui.screens.modals import FormScreen

    titles: list[str] = []
    for mode in dict.fromkeys([app.current_mode, *type(app).MODES]):  # every main screen's
        with suppress(KeyError):  # a mode not shown yet has no stack
            for screen in app.get_screen_stack(mode):
                if isinstance(screen, FormScreen) and screen.is_mounted and screen.form.is_dirty:
                    titles.append(screen.title_text)
    return titles


def quit_question(app: App[Any]) -> tuple[str, str] | None:
    """(title, body) of the question to ask before quitting `app`, or None to quit at once."""
    forms = unsaved_forms(app)
    writes = writes_in_progress(app.workers)
    if not forms and not writes:
        return None
    lines = [f"The unsaved changes to “{title}” will be lost." for title in forms]
    lines += [f"{what} is in progress: quitting now stops it part-way." for what in writes]
    if forms:
        title = "Quit and lose the unsaved changes?"
    else:
        title = f"{writes[0]} is in progress. Quit anyway?"
    return title, "\n".join(lines)
