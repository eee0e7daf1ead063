"""Every selector of app.tcss and dialogs.tcss styles something the app shows.

The app is walked through each of its screens (the review screen narrow and
wide, invited, skipped and empty cards, every dialog and the summary) with
their keys, and each selector of the stylesheet must match at least one
node on at least one of them: a widget, the screen itself, or a component
class (``CardBody > .card--name``) of a widget that declares it.  A rule
left behind when a widget is renamed or removed fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.css.match import match
from textual.css.model import SelectorSet, SelectorType
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.pilot import Pilot

from triage.config import Config
from triage.model import Deck
from triage.store import Store
from triage.ui import app as app_module
from triage.ui.app import ReviewApp
from triage.ui.summary import SummaryScreen

STYLESHEET = Path(app_module.__file__).with_name(ReviewApp.CSS_PATH)
DIALOGS = app_module.DIALOGS_CSS
# Rules no widget could match: the check must report them (it can fail).
PROBES = "#no-such-widget { color: red; }\nCardBody > .card--no-such-part { color: red; }\n"
PROBE_SELECTORS = {"#no-such-widget", "CardBody > .card--no-such-part"}
WIDE = (140, 36)
SHORT = (50, 15)  # Screen.-short: dialogs close up
ACME, ADA, ALAN = 4, 1, 3  # the first three cards of the sample deck in name order
LAST = 13
NOTE_LIMIT = 20


def selector_sets(app: ReviewApp, extra: str = "") -> list[SelectorSet]:
    """The selectors of app.tcss, dialogs.tcss (and ``extra``), parsed as the
    app parses them."""
    sheet = Stylesheet(variables=app.get_css_variables())
    sheet.read(STYLESHEET)
    sheet.read(DIALOGS)
    if extra:
        sheet.add_source(extra, read_from=("probes", ""))
    return [selector_set for rule in sheet.rules for selector_set in rule.selector_set]


def component_classes(node: DOMNode) -> set[str]:
    return {name for cls in type(node).__mro__ for name in vars(cls).get("COMPONENT_CLASSES", ())}


def styles(selector_set: SelectorSet, node: DOMNode) -> bool:
    """Does the selector apply to ``node`` or to one of its component classes?"""
    if match([selector_set], node):
        return True
    *path, last = selector_set.selectors
    return (
        bool(path)
        and last.type == SelectorType.CLASS
        and not last.pseudo_classes
        and last.name in component_classes(node)
        and match([SelectorSet(path)], node)
    )


class Coverage:
    """The selectors matched so far, over every screen visited."""

    def __init__(self, app: ReviewApp) -> None:
        self.app = app
        self.selectors = selector_sets(app, PROBES)
        self.matched: set[str] = set()
        self.visited: list[str] = []

    async def visit(self, pilot: Pilot[None], what: str) -> None:
        await pilot.pause()
        screen = self.app.screen
        self.visited.append(f"{what}: {type(screen).__name__}")
        for node in screen.walk_children(with_self=True):
            for selector_set in self.selectors:
                if selector_set.css not in self.matched and styles(selector_set, node):
                    self.matched.add(selector_set.css)

    @property
    def unmatched(self) -> set[str]:
        return {s.css for s in self.selectors} - self.matched


def set_up(store: Store, deck: Deck) -> None:
    """ACME invited (with a note over the limit), ADA skipped, ALAN the one
    card left undecided, so that deciding it opens the summary."""
    for cid in range(1, LAST + 1):
        if cid != ALAN:
            store.decide(cid, "invite" if cid % 2 else "skip")
    store.decide(ACME, "invite")
    store.decide(ADA, "skip")
    store.set_tag(ACME, "mentor", True)
    store.set_note(ACME, "A note longer than the limit set for this test.")
    store.set_cursor(deck.id, ADA)


async def close(pilot: Pilot[None]) -> None:
    await pilot.press("escape")
    await pilot.pause()


async def test_every_selector_styles_something(
    make_app: Any, store_deck: tuple[Store, Deck]
) -> None:
    store, deck = store_deck
    set_up(store, deck)
    app: ReviewApp = make_app(config=Config(note_limit=NOTE_LIMIT))
    async with app.run_test(size=WIDE) as pilot:
        seen = Coverage(app)
        await seen.visit(pilot, "skipped card, wide")
        await pilot.press("k")  # ACME: invited
        await seen.visit(pilot, "invited card, wide")
        await pilot.resize_terminal(80, 24)
        await seen.visit(pilot, "invited card, narrow")
        await pilot.resize_terminal(*WIDE)
        for key, what in (
            ("question_mark", "help"),
            ("f", "filter"),
            ("t", "tag picker"),
            ("n", "note editor, over the limit"),
            ("g", "go to"),
        ):
            await pilot.press(key)
            await seen.visit(pilot, what)
            await close(pilot)
        await pilot.resize_terminal(*SHORT)
        for key, what in (
            ("f", "filter, short terminal"),
            ("t", "tag picker, short terminal"),
            ("n", "note editor, short terminal"),
        ):
            await pilot.press(key)
            await seen.visit(pilot, what)
            await close(pilot)
        await pilot.resize_terminal(*WIDE)
        await pilot.press("slash", "a", "d", "a")
        await pilot.pause(0.3)  # the search is debounced
        await seen.visit(pilot, "search with results")
        await close(pilot)
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await seen.visit(pilot, "export dialog")
        await close(pilot)
        await pilot.press("j", "j", "a")  # ALAN, the last undecided card
        assert isinstance(app.screen, SummaryScreen)
        await seen.visit(pilot, "summary")
        unmatched = seen.unmatched

    with store.transaction():
        empty = store.create_deck("empty", "US")
    app = ReviewApp(store, empty, cursor_blink=False)
    async with app.run_test(size=WIDE) as pilot:
        seen = Coverage(app)
        await seen.visit(pilot, "empty deck")
        unmatched &= seen.unmatched

    assert unmatched >= PROBE_SELECTORS, "the check no longer sees a dead selector"
    assert unmatched - PROBE_SELECTORS == set(), (
        "app.tcss has selectors that match nothing on any screen"
    )
