"""The export dialog: format, tags, batch size and file; a count and the first
names; exclusions and warnings; nothing is written before an explicit "Write".

Reading the deck and writing the files run in thread workers, each with its
own :class:`~triage.store.Store` connection, so a 100,000-person deck never
blocks the keyboard.  The dialog returns the path of the (first) file
written, or ``None`` when cancelled.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static
from textual.worker import get_current_worker

from triage.config import Config
from triage.export.pacing import (
    UPLOAD_FORMAT,
    WeeklyPlan,
    before_word,
    build_new_plan,
    first_existing_week,
    pace,
    run_weekly_export,
    taken_weeks,
)
from triage.export.plan import (
    DEFAULT_FORMAT,
    FORMATS,
    ExportError,
    ExportPlan,
    Invited,
    build_plan,
    default_output,
    file_count,
    first_existing,
    load_invited,
    suffix_for,
)
from triage.export.run import NotRecorded, run_export
from triage.model import Deck
from triage.store import DB_NAME, Store
from triage.store.files import describe_db_error
from triage.ui.ticks import TickBox, TickList
from triage.vocab import EXPORT_FORMATS as FORMAT_LABELS

BATCH_HINT = "a batch size of {n}"


class ConfirmExport(ModalScreen[bool]):
    """The explicit "yes, write these people" step."""

    DEFAULT_CSS = """
    ConfirmExport {
        align: center middle;
    }
    #confirm-dialog {
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    #confirm-buttons {
        height: auto;
        margin-top: 1;
    }
    #confirm-buttons Button {
        margin-right: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "answer(False)", "Back", id="triage.export.back",
                tooltip="Back to the export dialog without writing"),
        Binding("y", "answer(True)", "Write", id="triage.export.yes",
                tooltip="Write the file now"),
        Binding("n", "answer(False)", "Back", id="triage.export.no", show=False,
                tooltip="Back to the export dialog without writing"),
    ]  # fmt: skip

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static(Content(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button("Write", id="confirm-yes", variant="warning")
                yield Button("Back", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-yes", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ExportScreen(ModalScreen[str | None]):
    """Export the invited people of a deck (DESIGN §7)."""

    # Fits an 80x24 terminal: one line per field, the messages scroll.
    DEFAULT_CSS = """
    ExportScreen {
        align: center middle;
        &.-short #export-hint {
            height: 1;
        }
    }
    #export-dialog {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    #export-title {
        text-style: bold;
        margin-bottom: 1;
    }
    .export-row {
        height: auto;
    }
    .export-label {
        width: 12;
        color: $text-muted;
    }
    .export-row Select, .export-row Input, .export-row Checkbox {
        width: 1fr;
    }
    #export-tags {
        width: 1fr;
        height: auto;
        max-height: 4;
    }
    #export-no-tags {
        width: 1fr;
        color: $text-muted;
    }
    #export-body {
        height: auto;
    }
    #export-messages {
        height: auto;
        margin-top: 1;
    }
    #export-warnings {
        color: $text-warning;
    }
    #export-buttons {
        height: auto;
        margin-top: 1;
    }
    #export-buttons Button {
        margin-right: 1;
    }
    #export-hint {
        width: 1fr;
        height: 3;
        content-align: right middle;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="triage.export.cancel",
                tooltip="Close without writing anything"),
        Binding("ctrl+s", "export", "Export", id="triage.export.export",
                tooltip="Review the count and write the file"),
    ]  # fmt: skip

    def __init__(
        self, data_dir: Path, deck: Deck, config: Config, *, today: date | None = None
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.deck = deck
        self.config = config
        self.today = today or date.today()
        self.invited: Invited | None = None
        self.exported: set[int] = set()  # invited people an earlier export wrote
        self.uploaded: set[int] = set()  # … that an earlier upload file held
        self.taken: dict[str, int] = {}  # uploads of this week and later ones, by week
        self.plan: ExportPlan | None = None
        self.left_out = 0  # people the plan would hold but for "only not exported before"
        self.weekly: WeeklyPlan | None = None  # the plan by week, when weekly files are ticked
        self.in_the_way: Path | None = None  # an existing file the plan would replace
        self.writing = False

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label(
                Content(f"Export the people you invited · deck '{self.deck.name}'"),
                id="export-title",
            )
            with VerticalScroll(id="export-body"):
                yield from self._fields()
            with Horizontal(id="export-buttons"):
                yield Button("Export…", id="export-go", variant="primary", disabled=True)
                yield Button("Cancel", id="export-cancel")
                yield Static("ctrl+s export · esc cancel", id="export-hint")

    def _fields(self) -> ComposeResult:
        """What scrolls between the title and the buttons, which stay in view."""
        with Horizontal(classes="export-row"):
            yield Static("Format", classes="export-label")
            yield Select(
                [(FORMAT_LABELS[f], f) for f in FORMATS],
                value=DEFAULT_FORMAT,
                allow_blank=False,
                compact=True,
                id="export-format",
            )
        with Horizontal(classes="export-row"):
            yield Static("Only tags", classes="export-label")
            yield TickList[str](compact=True, id="export-tags")
            yield Static("…", id="export-no-tags")
        with Horizontal(classes="export-row"):
            yield Static("Batch size", classes="export-label")
            yield Input(
                placeholder="people per file (empty: one file)",
                restrict=r"[0-9]*",
                max_length=7,
                compact=True,
                id="export-batch",
            )
        with Horizontal(classes="export-row"):
            yield Static("", classes="export-label")
            # Ticked from the start: a careful user who exported before wants
            # the people picked since, and an upload that repeats people who
            # were already given to LinkedIn only risks more reminders to
            # them.  With nobody exported before it changes nothing; the
            # summary says how many it leaves out, so unticking is a choice.
            yield TickBox(
                f"Only people not {before_word(DEFAULT_FORMAT)}",
                value=True,
                compact=True,
                id="export-new",
            )
        with Horizontal(classes="export-row"):
            yield Static("", classes="export-label")
            yield TickBox(
                f"Weekly files ({self.config.weekly_budget:,} a week, ISO weeks)",
                compact=True,
                id="export-weekly",
            )
        with Horizontal(classes="export-row"):
            yield Static("Save to", classes="export-label")
            yield Input(
                str(default_output(self.deck.name, DEFAULT_FORMAT)),
                compact=True,
                id="export-path",
            )
        with Horizontal(classes="export-row"):
            yield Static("", classes="export-label")
            yield TickBox("Overwrite existing files", compact=True, id="export-overwrite")
        with Vertical(id="export-messages"):
            yield Static("Counting the people you invited…", id="export-summary")
            yield Static(id="export-plan")
            yield Static(id="export-warnings")

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """The fields scroll, so the title and the buttons fit the terminal."""
        dialog = self.query_one("#export-dialog")
        body = self.query_one("#export-body")
        # What is around the body, counted from its neighbours (the dialog
        # itself may already be cut to the screen's height).
        around = dialog.outer_size.height - dialog.size.height
        for child in dialog.children:
            if child is not body:
                margin = child.styles.margin
                around += child.outer_size.height + margin.top + margin.bottom
        room = max(self.size.height - around, 3)
        body.styles.max_height = room

    def on_mount(self) -> None:
        self.query_one("#export-tags").display = False
        blink = bool(getattr(self.app, "cursor_blink", True))
        for field in self.query(Input):
            field.cursor_blink = blink
        self.query_one("#export-format", Select).focus()
        self.call_after_refresh(self._fit)
        self._load()

    # -- reading the deck -----------------------------------------------------

    @work(thread=True, exclusive=True, group="export-load", exit_on_error=False)
    def _load(self) -> None:
        try:
            store = Store.open(self.data_dir)
            try:
                invited = load_invited(store, self.deck)
                exported = store.exported_ids(self.deck.id)
                uploaded = store.exported_ids(self.deck.id, uploads=True)
                taken = taken_weeks(store, self.today)
            finally:
                store.close()
        except Exception as exc:  # shown in the dialog, never a traceback
            why = (
                describe_db_error(self.data_dir / DB_NAME, exc)
                if isinstance(exc, sqlite3.Error)
                else str(exc)
            )
            self.app.call_from_thread(self._show, f"The deck cannot be read: {why}", [])
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, invited, exported, uploaded, taken)

    def _loaded(
        self, invited: Invited, exported: set[int], uploaded: set[int], taken: dict[str, int]
    ) -> None:
        self.invited = invited
        self.exported, self.uploaded = exported, uploaded
        self.taken = taken
        counts: dict[str, int] = {}
        for person in invited.people:
            for tag in person.tags:
                counts[tag.casefold()] = counts.get(tag.casefold(), 0) + 1
        tags = self.query_one("#export-tags", SelectionList)
        tags.add_options(
            [(Content(f"{t} ({counts.get(t.casefold(), 0):,})"), t) for t in invited.deck_tags]
        )
        tags.display = bool(invited.deck_tags)
        no_tags = self.query_one("#export-no-tags", Static)
        no_tags.update("no tags in this deck")
        no_tags.display = not invited.deck_tags
        self._replan()

    # -- the plan, redone on every change ---------------------------------------

    @property
    def fmt(self) -> str:
        value = self.query_one("#export-format", Select).value
        return value if isinstance(value, str) else DEFAULT_FORMAT

    def _batch_size(self) -> int | None:
        if self._weekly_files():
            return None
        text = self.query_one("#export-batch", Input).value.strip()
        return int(text) if text else None

    def _weekly_files(self) -> bool:
        """Weekly files are ticked and can be written (a LinkedIn upload)."""
        return self.fmt == UPLOAD_FORMAT and self.query_one("#export-weekly", Checkbox).value

    def _only_new(self) -> bool:
        return self._weekly_files() or self.query_one("#export-new", Checkbox).value

    def _out(self) -> Path | None:
        text = self.query_one("#export-path", Input).value.strip()
        return Path(text).expanduser() if text else None

    @on(Select.Changed, "#export-format")
    def _format_changed(self) -> None:
        field = self.query_one("#export-path", Input)
        path = Path(field.value.strip())
        suffix = suffix_for(self.fmt)
        if path.suffix.lower() in (".csv", ".vcf") and path.suffix != suffix:
            field.value = str(path.with_suffix(suffix))
        self._replan()

    @on(SelectionList.SelectedChanged, "#export-tags")
    @on(Checkbox.Changed, "#export-new")
    @on(Checkbox.Changed, "#export-weekly")
    def _replan(self) -> None:
        """Who is written: redone when the format, the tags or the choice of
        people (only new, weekly files) change."""
        weekly = self._weekly_files()
        new = self.query_one("#export-new", Checkbox)
        new.disabled = weekly  # weekly files hold only people never exported
        new.label = f"Only people not {before_word(self.fmt)}"
        self.query_one("#export-weekly", Checkbox).disabled = self.fmt != UPLOAD_FORMAT
        self.query_one("#export-batch", Input).disabled = weekly
        if self.invited is None:
            return
        tags = self.query_one("#export-tags", SelectionList).selected
        budget = self.config.weekly_budget
        try:
            if self._only_new():
                before = self.uploaded if self.fmt == UPLOAD_FORMAT else self.exported
                fresh = build_new_plan(self.invited, before, self.fmt, tags, budget=budget)
                self.plan, self.left_out = fresh.plan, fresh.left_out
            else:
                self.plan = build_plan(self.invited, self.fmt, tags, budget=budget)
                self.left_out = 0
            self.weekly = None
            if self.fmt == UPLOAD_FORMAT and self._only_new():
                self.weekly = pace(self.plan, budget, self.taken, self.today)
        except ExportError as exc:  # not reachable from the widgets; be safe
            self.plan = self.weekly = None
            self._show(str(exc), [])
            return
        self._refresh()

    @on(Input.Changed, "#export-batch")
    @on(Input.Changed, "#export-path")
    @on(Checkbox.Changed, "#export-overwrite")
    def _refresh(self) -> None:
        """Where it goes: redone on every key in the file and batch fields."""
        plan = self.plan
        if plan is None:
            return
        out, batch = self._out(), self._batch_size()
        overwrite = self.query_one("#export-overwrite", Checkbox).value
        self.in_the_way = None
        if out is not None and plan.count and batch != 0 and not overwrite:
            if self._weekly_files() and self.weekly is not None:
                self.in_the_way = first_existing_week(self.weekly, out)
            else:
                self.in_the_way = first_existing(plan, out, batch)
        self._show(self._summary(plan), self._warnings(plan))

    def _summary(self, plan: ExportPlan) -> str:
        before = ""
        if self.left_out:
            were = "was" if self.left_out == 1 else "were"
            before = f" {self.left_out:,} {before_word(self.fmt)} {were} left out."
        if not plan.count:
            return plan.nothing_message().capitalize() + "." + before
        names = ", ".join(plan.first_names())
        more = f" and {plan.count - len(plan.first_names()):,} more" if plan.count > 5 else ""
        who = "person" if plan.count == 1 else "people"
        text = f"{plan.count:,} {who} will be written: {names}{more}." + before
        batch = self._batch_size()
        if self._weekly_files() and self.weekly is not None:
            files = len(self.weekly.files)
            text += f" {files:,} weekly {'file' if files == 1 else 'files'}: upload one a week."
        elif batch and plan.count > batch:
            text += f" {file_count(plan.count, batch):,} files of at most {batch:,}."
        return text

    def _plan_line(self) -> str:
        """The weekly plan of an upload of the people never exported."""
        if self.weekly is None or not self.weekly.plan.count:
            return ""
        return f"Weekly plan: {self.weekly.line()}."

    def _warnings(self, plan: ExportPlan) -> list[str]:
        """What stops the export first, then the budget, then who is left out."""
        lines: list[str] = []
        batch = self._batch_size()
        if batch == 0:
            lines.append("The batch size must be 1 or more.")
        if self._out() is None:
            lines.append("Name the file to write.")
        if self.in_the_way is not None:
            lines.append(
                f"{self.in_the_way} exists; tick 'Overwrite existing files' to replace it."
            )
        budget = None
        if not self._weekly_files():
            budget = plan.budget_warning(batch or None, suggestion=BATCH_HINT)
        if budget:
            lines.append(budget)
        return lines + plan.notices(how_to_see="the format 'Everything'")

    def _show(self, summary: str, warnings: list[str]) -> None:
        self.query_one("#export-summary", Static).update(Content(summary))
        line = self._plan_line() if self.plan is not None else ""
        plan = self.query_one("#export-plan", Static)
        plan.update(Content(line))
        plan.display = bool(line)
        self.query_one("#export-warnings", Static).update(
            Content("\n".join(f"! {w}" for w in warnings))
        )
        self.query_one("#export-go", Button).disabled = not self._ready()

    def _ready(self) -> bool:
        plan = self.plan
        return not (
            self.writing
            or plan is None
            or not plan.count
            or self._out() is None
            or self._batch_size() == 0
            or self.in_the_way is not None
        )

    # -- confirming and writing -------------------------------------------------

    @on(Button.Pressed, "#export-go")
    def action_export(self) -> None:
        plan, out = self.plan, self._out()
        if not self._ready() or plan is None or out is None:
            self.notify("Nothing can be written yet: see the dialog's messages.",
                        severity="warning")  # fmt: skip
            return
        batch = self._batch_size()
        files = file_count(plan.count, batch)
        who = f"{plan.count:,} {'person' if plan.count == 1 else 'people'}"
        where = str(out) if files == 1 and not batch else f"{files:,} numbered files beside {out}"
        question = f"Write {who} ({plan.fmt} format) to {where}?"
        if self._weekly_files() and self.weekly is not None:
            weeks = self.weekly.files
            span = weeks[0].label + (f" to {weeks[-1].label}" if len(weeks) > 1 else "")
            question = (
                f"Write {who} ({plan.fmt} format) in {len(weeks):,} weekly"
                f" {'file' if len(weeks) == 1 else 'files'} beside {out} ({span})?"
                " Upload one file per week."
            )
        self.app.push_screen(ConfirmExport(question), self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        plan, out = self.plan, self._out()
        if not yes or plan is None or out is None:
            return
        self.writing = True
        self.query_one("#export-go", Button).disabled = True
        self.query_one("#export-summary", Static).update(Content(f"Writing {out}…"))
        overwrite = self.query_one("#export-overwrite", Checkbox).value
        weekly = self.weekly if self._weekly_files() else None
        self._write(plan, out, self._batch_size(), overwrite, weekly)

    @work(thread=True, exclusive=True, group="export-write", exit_on_error=False)
    def _write(
        self,
        plan: ExportPlan,
        out: Path,
        batch: int | None,
        overwrite: bool,
        weekly: WeeklyPlan | None = None,
    ) -> None:
        try:
            store = Store.open(self.data_dir)
            try:
                if weekly is not None:
                    written = run_weekly_export(store, self.deck, weekly, out, force=overwrite)
                else:
                    written = run_export(
                        store, self.deck, plan, out, batch_size=batch, force=overwrite
                    )
            finally:
                store.close()
        except NotRecorded as exc:
            written = exc.written
            self.app.call_from_thread(
                self.notify, str(exc).capitalize(), severity="warning", markup=False
            )
        except Exception as exc:  # shown to the user, never a traceback
            reason = str(exc) if isinstance(exc, ExportError) else f"{type(exc).__name__}: {exc}"
            self.app.call_from_thread(self._failed, reason)
            return
        self.app.call_from_thread(self._written, plan, written.paths)

    def _written(self, plan: ExportPlan, paths: list[str]) -> None:
        who = f"{plan.count:,} {'person' if plan.count == 1 else 'people'}"
        if len(paths) == 1:
            self.notify(f"Wrote {who} to {paths[0]}", markup=False)
        else:
            self.notify(f"Wrote {who} in {len(paths)} files: {paths[0]} …", markup=False)
        if self.app.is_web:  # served by `triage serve`: the browser downloads them too
            for path in paths:
                self.app.deliver_binary(Path(path))
        self.dismiss(str(paths[0]))

    def _failed(self, message: str) -> None:
        self.writing = False
        self.notify(f"Nothing was written: {message}", severity="error", markup=False)
        self._refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Once "Write" is pressed the dialog stays until the file is there."""
        return not (self.writing and action in ("cancel", "export"))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        if not self.writing:
            self.dismiss(None)
