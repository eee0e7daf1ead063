"""The header at every width: position and total always in view."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

from triage.model import Counts
from triage.store import Store
from triage.ui.header import counts_content, counts_forms, fit, position_forms

BIG = Counts(contacts=100_000, invite=5_000, skip=3_000, undecided=92_000)


def line(index: int | None, total: int, outside: bool, counts: Counts, width: int) -> str:
    position, count = fit(position_forms(index, total, outside), counts_forms(counts), width)
    return position + counts_content(count).plain


def test_every_width_keeps_the_numbers() -> None:
    for width in range(50, 200):
        text = line(1_233, 100_000, False, BIG, width)
        assert len(text) <= width, (width, text)
        for number in ("1,234", "100,000", "5,000", "3,000", "92,000"):
            assert number in text, (width, text)


def test_words_shorten_before_numbers() -> None:
    assert line(11, 150, False, Counts(150, 3, 2, 145), 80) == (
        "card 12 of 150  3 invited  2 skipped  145 undecided"
    )
    assert (
        line(1_233, 100_000, False, BIG, 50) == "1,234/100,000  5,000 inv  3,000 skip  92,000 undec"
    )
    assert line(1_233, 100_000, False, BIG, 44) == "card 1,234 of 100,000  +5,000 -3,000 ?92,000"
    assert line(1_233, 100_000, False, BIG, 38) == "1,234/100,000  +5,000 -3,000 ?92,000"


def test_a_card_outside_the_filter_is_said_short() -> None:
    counts = Counts(13, 0, 0, 13)
    wide = line(None, 0, True, counts, 120)
    assert wide.startswith("card – of 0 (this one is outside the filter)")
    at_80 = line(None, 0, True, counts, 80)
    assert len(at_80) <= 80 and "outside the filter" in at_80 and "13 undecided" in at_80
    at_50 = line(None, 0, True, counts, 50)
    assert len(at_50) <= 50 and "outside" in at_50 and "13 undec" in at_50
    assert line(None, 12, False, counts, 50).startswith("card – of 12")


async def test_the_filter_chooser_keeps_each_count_on_its_line(
    make_app: Any, store_deck: tuple[Store, Any]
) -> None:
    store, _ = store_deck
    long_tag = "conference 2024 — london speakers and the people met at the dinner after"
    store.set_tag(1, long_tag, True)
    for size in ((80, 24), (120, 40), (50, 15)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await pilot.press("f")
            await pilot.pause()
            options = app.screen.query_one("#filter-options", OptionList)
            assert options.option_count == len(options._lines), size  # one line each
            text = "".join(
                s.text for i in range(options.option_count) for s in options.render_line(i)
            )
            assert "tag: conference" in text and "…" in text
