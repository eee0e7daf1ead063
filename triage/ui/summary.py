"""The end of the walk: counts by decision, tag and source, drawn as bars,
and the way on (export, a second pass over the skipped, back, quit)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Label, Static

from triage.model import DeckStatus
from triage.ui.renderables import eighths_bar

# What the summary hands back to the review screen.
SECOND_PASS = "second-pass"


class SummaryBar(Widget):
    """A horizontal bar ``fraction`` of the available width long."""

    def __init__(self, fraction: float, classes: str = "") -> None:
        super().__init__(classes=classes)
        self.fraction = max(0.0, min(1.0, fraction))

    def render(self) -> Content:
        return Content(eighths_bar(self.fraction, self.size.width))


def bar_rows(title: str, items: list[tuple[str, int, str]], total: int) -> list[Widget]:
    """A titled group of (label, count, css class) rows."""
    rows: list[Widget] = [Label(title, classes="summary-title")]
    for label, count, cls in items:
        rows.append(
            Horizontal(
                Label(Content(label), classes="summary-label"),
                SummaryBar(count / total if total else 0.0, classes=cls),
                Label(f"{count:,}", classes="summary-count"),
                classes="summary-row",
            )
        )
    return rows


class SummaryScreen(Screen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "app.export", "Export", tooltip="Export the people you invited"),
        Binding(
            "r",
            "finish('second-pass')",
            "Second pass",
            tooltip="Walk again through the people you skipped",
        ),
        Binding("escape,b", "finish", "Back", tooltip="Back to the cards"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (everything is saved)", priority=True),
    ]

    def __init__(self, status: DeckStatus, *, headline: str = "") -> None:
        """``headline``: said first (the session's goal reached)."""
        super().__init__()
        self.status = status
        self.headline = headline

    def compose(self) -> ComposeResult:
        st = self.status
        total = max(st.contacts, 1)
        decisions = [
            ("invited", st.invite, "-invite"),
            ("skipped", st.skip, "-skip"),
            ("undecided", st.undecided, "-undecided"),
        ]
        headline = (
            "Every card is decided."
            if st.undecided == 0
            else f"{st.undecided:,} cards are still undecided."
        )
        if self.headline:
            headline = f"{self.headline} {headline}"
        if st.to_export:
            people = "person is" if st.to_export == 1 else "people are"
            headline += f" {st.to_export:,} invited {people} ready to upload to LinkedIn (e)."
        with Vertical(id="summary"):
            yield Label(Content(f"Deck '{st.deck}': {st.contacts:,} people"), id="summary-head")
            yield Static(Content(headline), id="summary-headline")
            with VerticalScroll(id="summary-body"):
                yield from bar_rows("By decision", decisions, total)
                if st.tags:
                    tags = [(t, n, "-tag") for t, n in st.tags.items()]
                    yield from bar_rows("By tag", tags, total)
                if st.sources:
                    sources = [(s, n, "-source") for s, n in st.sources.items()]
                    yield from bar_rows("By source", sources, total)
            with Horizontal(id="summary-buttons"):
                yield Button("Export (e)", id="summary-export", variant="primary")
                yield Button("Second pass (r)", id="summary-second")
                yield Button("Back (b)", id="summary-back")
                yield Button("Quit (q)", id="summary-quit")
        yield Footer(compact=True)

    def show_status(self, status: DeckStatus) -> None:
        """Counts changed under the summary (an export): draw it again."""
        self.status = status
        self.refresh(recompose=True)

    @on(Button.Pressed, "#summary-export")
    async def _export(self) -> None:
        await self.run_action("app.export")

    @on(Button.Pressed, "#summary-second")
    def _second(self) -> None:
        self.action_finish(SECOND_PASS)

    @on(Button.Pressed, "#summary-back")
    def _back(self) -> None:
        self.action_finish()

    @on(Button.Pressed, "#summary-quit")
    def _quit(self) -> None:
        self.app.exit()

    def action_finish(self, result: str | None = None) -> None:
        self.dismiss(result)
