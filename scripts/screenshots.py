"""Render the walk-through's main states to SVG in ``screenshots/``.

Deterministic: the bundled demo address book imported into a temporary data
folder, name order (the event shuffle is seeded per deck), decision times
pinned, no cursor blink, a fixed terminal size and nothing volatile on
screen (no clock, path or version).  A diff in ``screenshots/`` therefore
means the UI changed.

    .venv/bin/python scripts/screenshots.py [--out screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from triage.config import Config
from triage.demo import demo_files
from triage.ingest.run import run_import
from triage.model import Deck
from triage.store import Store
from triage.ui.app import ReviewApp

SIZE = (100, 32)
SMALL = (80, 24)
PINNED = "2025-03-14T09:30:00"  # naive: the same calendar day in every time zone
ORDER = "name"

Setup = Callable[[Store, Deck], None]
Steps = Callable[[Pilot[None]], Awaitable[None]]


def person(store: Store, deck: Deck, name: str) -> int:
    found = [c for c in store.search(deck.id, name) if c.name == name]
    if not found:
        raise SystemExit(f"screenshots: the demo deck has no '{name}' any more; update the script")
    return found[0].id


def pin_times(store: Store) -> None:
    store.conn.execute("UPDATE contacts SET decided_at = ? WHERE decided_at != ''", (PINNED,))


def a_few_decisions(store: Store, deck: Deck) -> None:
    """Some progress in the header: a handful of people decided by hand."""
    for name, decision in (
        ("Aisha Bello", "invite"),
        ("Amélie Fontaine", "skip"),
        ("Ben Adeyemi", "invite"),
        ("Chloe Martin", "skip"),
        ("Daniel Kim", "invite"),
    ):
        store.decide(person(store, deck, name), decision)


def tagged_and_noted(store: Store, deck: Deck) -> None:
    a_few_decisions(store, deck)
    zoe = person(store, deck, "Zoë Castellanos")
    store.set_tag(zoe, "climate", True)
    store.set_tag(zoe, "founders", True)
    store.set_tag(person(store, deck, "Ben Adeyemi"), "data", True)
    store.set_note(
        zoe,
        "Zoë, great to meet you at the climate-tech breakfast. I'd love to hear how "
        "the fleet pilots go.",
    )
    store.decide(zoe, "invite")
    store.set_cursor(deck.id, zoe)


def on(name: str, before: Setup = a_few_decisions) -> Setup:
    def setup(store: Store, deck: Deck) -> None:
        before(store, deck)
        store.set_cursor(deck.id, person(store, deck, name))

    return setup


def all_decided(store: Store, deck: Deck) -> None:
    tagged_and_noted(store, deck)
    last = None
    for i, c in enumerate(store.iter_contacts(deck.id, order="r_name")):
        if c.decision == "undecided":
            store.decide(c.id, "skip" if i % 3 == 0 or not c.emails else "invite")
            last = c.id
    assert last is not None
    store.decide(last, "undecided")  # the walk ends on this card
    store.set_cursor(deck.id, last)


async def keys(pilot: Pilot[None], *pressed: str) -> None:
    await pilot.press(*pressed)
    await pilot.pause(0.3)


SHOTS: list[tuple[str, tuple[int, int], Setup, Steps | None]] = [
    ("card.svg", SIZE, on("Priya Natarajan"), None),
    ("card-tags-note.svg", SIZE, tagged_and_noted, None),
    (
        "note-editor.svg",
        SIZE,
        on("Hannah Okoye"),
        lambda p: keys(p, "n", *"Hannah, thanks for the intro to Brightpath"),
    ),
    ("tag-picker.svg", SIZE, on("Marcus Webb", tagged_and_noted), lambda p: keys(p, "t", "f", "o")),
    ("help.svg", SIZE, tagged_and_noted, lambda p: keys(p, "question_mark")),
    ("summary.svg", SIZE, all_decided, lambda p: keys(p, "a")),
    ("card-80x24.svg", SMALL, tagged_and_noted, None),
]


async def shoot(
    out: Path, name: str, size: tuple[int, int], setup: Setup, steps: Steps | None
) -> None:
    with tempfile.TemporaryDirectory(prefix="triage-shots-") as tmp:
        store = Store.open(Path(tmp))
        try:
            with demo_files() as files:
                run_import(store, "demo", files, region="US")
            deck = store.deck("demo")
            assert deck is not None
            store.prepare_order(deck, ORDER)
            setup(store, deck)
            pin_times(store)
            app = ReviewApp(store, deck, order=ORDER, config=Config(), cursor_blink=False)
            async with app.run_test(size=size) as pilot:
                await pilot.pause()
                if steps is not None:
                    await steps(pilot)
                app.clear_notifications()
                await pilot.pause()
                app.save_screenshot(name, str(out))
        finally:
            store.close()


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, size, setup, steps in SHOTS:
        await shoot(out, name, size, setup, steps)
        print(out / name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "screenshots")
    args = parser.parse_args()
    asyncio.run(main(args.out))
    sys.exit(0)
