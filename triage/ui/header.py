"""The progress header: position, counts, filter and order, and a bar.

No clock and nothing else that changes on its own, so screenshots are stable.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import ProgressBar, Static

from triage.store import Counts


class ProgressHeader(Vertical):
    def compose(self) -> ComposeResult:
        with Horizontal(classes="header-line"):
            yield Static(id="header-position")
            yield Static(id="header-counts")
        with Horizontal(classes="header-line"):
            yield Static(id="header-walk")
            yield ProgressBar(id="header-bar", show_eta=False)

    def show(self, *, position: str, counts: Counts, walk: str) -> None:
        self.query_one("#header-position", Static).update(Content(position))
        self.query_one("#header-counts", Static).update(
            Content.from_markup(
                "[$text-success]$inv invited[/]  [$text-error]$skp skipped[/]"
                "  [$text-warning]$und undecided[/]",
                inv=f"{counts.invite:,}",
                skp=f"{counts.skip:,}",
                und=f"{counts.undecided:,}",
            )
        )
        self.query_one("#header-walk", Static).update(Content(walk))
        bar = self.query_one("#header-bar", ProgressBar)
        bar.update(total=max(counts.contacts, 1), progress=counts.invite + counts.skip)
