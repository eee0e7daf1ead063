"""The card's wording, and what the UI path may import."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

from triage.model import FLAG_BITS, Contact, Email, Phone, Source, WalkFilter
from triage.store import Store
from triage.ui import words
from triage.ui.review_screen import ReviewScreen


def person(**kw: Any) -> Contact:
    base: dict[str, Any] = {"id": 1, "deck_id": 1, "key": "k", "name": "Ada Lovelace"}
    base.update(kw)
    return Contact(**base)


def flags(*names: str) -> int:
    return sum(FLAG_BITS[n] for n in names)


def test_flags_in_plain_words() -> None:
    c = person(
        flags=flags(
            "no_email",
            "invalid_email",
            "role_address",
            "connected",
            "invited",
            "merged",
            "name_guessed",
            "phone_unparsed",
        ),
        connected_on="2024-01-15",
        invited_on="2023-05-02",
        sources=[Source("google.csv", 212), Source("outlook.csv", 48)],
    )
    assert words.flag_phrases(c) == [
        "no email — can't be in an upload",
        "invalid email",
        "role address",
        "already connected (on 2024-01-15)",
        "already invited on 2023-05-02",
        "merged from 2 records",
        "no name in the source",
        "phone not recognised",
    ]
    unknown = person(
        flags=flags("connected", "invited"), connected_on="unknown", invited_on="unknown date"
    )
    assert words.flag_phrases(unknown) == ["already connected", "already invited"]


def test_a_guessed_name_says_from_what() -> None:
    guessed = flags("name_guessed")
    by_email = person(name="Jane Doe", emails=[Email("jane.doe@example.com")], flags=guessed)
    assert words.flag_phrases(by_email) == ["name guessed from the email address"]
    by_org = person(name="Acme", org="Acme", flags=guessed)
    assert words.flag_phrases(by_org) == ["no name in the source: shown by the organisation"]
    by_phone = person(name="+1 415 555 0101", phones=[Phone("+1 415 555 0101")], flags=guessed)
    assert words.flag_phrases(by_phone) == ["no name in the source: shown by the phone number"]


def test_open_and_copy_targets() -> None:
    assert words.link(person(profile_url="https://www.linkedin.com/in/ada")) == (
        "https://www.linkedin.com/in/ada"
    )
    assert words.link(person(profile_url="linkedin.com/in/ada")) == "https://linkedin.com/in/ada"
    assert words.link(person(emails=[Email("ada@example.com")])) == "mailto:ada@example.com"
    assert words.link(person(emails=[Email("bad@@x", valid=False)])) == ""


def test_provenance_decision_and_contact_lines() -> None:
    c = person(
        sources=[Source("google.csv", 212), Source("outlook.csv", 48)],
        emails=[
            Email("bad@@x", valid=False),
            Email("ada@example.com"),
            Email("info@example.com", role=True),
        ],
        phones=[Phone("+14155550101"), Phone("12", valid=False)],
        org="Engines",
        title="Mathematician",
    )
    assert words.provenance(c) == "google.csv line 212; outlook.csv line 48"
    c.sources = [Source("same.csv", n) for n in range(2, 20_002)]
    assert words.provenance_lines(c) == [
        *(f"same.csv line {n}" for n in range(2, 8)),
        "and 19,994 more records",
    ]
    assert words.email_lines(c) == [
        "bad@@x  (invalid)",
        "ada@example.com  (primary)",
        "info@example.com  (role address)",
    ]
    assert words.phone_lines(c) == ["+14155550101", "12  (not recognised)"]
    assert words.subtitle(c) == "Mathematician · Engines"
    assert words.subtitle(person(name="Acme", org="Acme")) == ""
    assert words.decision_phrase(c) == "undecided"
    assert (
        words.decision_phrase(person(decision="invite", decided_at="2025-03-14T09:30:00"))
        == "invited on 2025-03-14"
    )
    assert (
        words.decision_phrase(person(decision="skip", decided_at="2025-03-14T09:30:00"))
        == "skipped on 2025-03-14"
    )


def test_filter_labels() -> None:
    assert words.filter_label(WalkFilter("flag", "phone_unparsed")) == "flag: phone not recognised"
    assert words.filter_label(WalkFilter("skip")) == "skipped"
    assert words.filter_label(WalkFilter("invite"), "recovery") == "kept"


def test_the_ui_does_not_load_the_validators() -> None:
    """Start-up time: phonenumbers and email_validator stay out of the UI path."""
    code = (
        "import sys\n"
        "import triage.cli.review, triage.ui.app\n"
        "bad = [m for m in ('phonenumbers', 'email_validator') if m in sys.modules]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


async def test_an_empty_deck_explains_itself(data_dir: Any) -> None:
    from triage.ui.app import ReviewApp

    store = Store.open(data_dir)
    try:
        with store.transaction():
            deck = store.create_deck("empty", "US")
        app = ReviewApp(store, deck, cursor_blink=False)
        async with app.run_test() as pilot:
            await pilot.press("a", "s", "right", "t", "n", "u")
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
            assert screen.contact is None
            assert "no contacts yet" in str(screen.query_one("#card-empty").render())
            assert store.counts(deck.id).contacts == 0
    finally:
        store.close()


def test_no_invite_all_anywhere(make_app: Callable[..., Any]) -> None:
    """Principle 1: no binding or action invites more than one person."""
    actions = {b.action for b in ReviewScreen.BINDINGS if not isinstance(b, tuple)}
    # The one action on many cards skips (tests/test_bulk_skip.py runs every
    # key and command and counts the invited).
    assert {a for a in actions if "all" in a} == {"skip_all"}
