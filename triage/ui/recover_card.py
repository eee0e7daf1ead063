"""The recovery deck in the window: the card of a pending invitation and the
screen that walks them, with ``a`` keeping and ``s`` withdrawing (the same
binding ids as an address book's invite and skip, relabelled), and the
checklist mode's ``w``, which stamps "withdrawn on DATE" (undone by ``u``).

The screen is the review screen with these words and keys; the walk is a
:class:`~triage.recover.walk.RecoveryWalk`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen

from triage.model import FLAGS, INVITE, SKIP, Contact, DeckStatus, WalkFilter
from triage.recover.walk import CardFacts, RecoveryWalk
from triage.ui.card import CardBody, ContactCard
from triage.ui.footer import FittingFooter, Step, WalkFooter
from triage.ui.keys import BINDING_IDS, review_bindings
from triage.ui.review_screen import ReviewScreen
from triage.vocab import DECIDED_WORDS, FLAG_LABELS, command
from triage.walk import Walk, WalkStart

CHECKLIST_HINT = (
    "A recovery deck is not exported: write the withdraw checklist with"
    f" {command('checklist', '-o', 'withdraw.html')}"
)

# (row id, label) in the order the recovery card shows them.
RECOVERY_ROWS: tuple[tuple[str, str], ...] = (
    ("sent", "Sent"),
    ("pending", "Pending"),
    ("message", "Message"),
    ("profile", "Profile"),
    ("elsewhere", "Address book"),
    ("tags", "Tags"),
    ("from", "From"),
    ("decision", "Decision"),
)

PALETTE: tuple[tuple[str, str, str], ...] = (
    ("Keep", "Keep this invitation and go to the next undecided card", "invite"),
    ("Withdraw", "Mark this invitation to withdraw; go to the next undecided card", "skip"),
    ("Stamp withdrawn", "Done on LinkedIn: stamp 'withdrawn on' today's date", "withdrawn"),
    ("Open profile", "Open the person's profile in the browser", "open"),
    ("Next card", "Go to the next card without deciding", "next"),
    ("Previous card", "Go back one card", "previous"),
    ("Undo", "Undo the last change", "undo"),
    ("Tag", "Add or remove a tag on this card", "tag"),
    ("Search", "Find a card by name", "search"),
    ("Filter", "Show only undecided, kept, to withdraw, a tag or a flag", "filter"),
    ("Go to card", "Jump to card number N", "goto"),
    ("Help", "Show every key", "help"),
)


def sent_text(stamp: str) -> str:
    return stamp.replace("T", " ")[:16]


def pending_text(stamp: str, withdrawn_at: str, today: date | None = None) -> str:
    """``12 days`` since the invitation was sent (until it was withdrawn)."""
    try:
        sent = date.fromisoformat(stamp[:10])
    except ValueError:
        return ""
    end = today or date.today()
    if withdrawn_at:
        with contextlib.suppress(ValueError):
            end = date.fromisoformat(withdrawn_at[:10])
    days = max((end - sent).days, 0)
    text = "sent today" if days == 0 else f"{days:,} day{'s' * (days != 1)}"
    if withdrawn_at:
        return f"{text}, then withdrawn"
    return text + (" (LinkedIn sends up to two reminders)" if days < 21 else "")


def decision_text(c: Contact, withdrawn_at: str) -> str:
    if c.decision == INVITE:
        return "keep"
    if c.decision == SKIP:
        if withdrawn_at:
            return f"withdrawn on {withdrawn_at[:10]}"
        return "to withdraw (w once done on LinkedIn)"
    return "undecided"


def elsewhere_lines(facts: CardFacts) -> list[str]:
    words = DECIDED_WORDS["address_book"]
    return [f"in deck '{m.deck}': {words[m.decision]}" for m in facts.elsewhere] or [
        "in no address-book deck"
    ]


def recovery_values(
    c: Contact, facts: CardFacts, today: date | None = None
) -> dict[str, list[str]]:
    return {
        "sent": [sent_text(c.invited_on) or "date not given"],
        "pending": [pending_text(c.invited_on, facts.withdrawn_at, today)],
        "message": c.notes.splitlines() if c.notes.strip() else ["(no message)"],
        "profile": [c.profile_url] if c.profile_url else ["no profile URL: find the name"],
        "elsewhere": elsewhere_lines(facts),
        "tags": [", ".join(c.tags)] if c.tags else [],
        "from": [f"{s.file} line {s.line}" for s in c.sources[:3]],
        "decision": [decision_text(c, facts.withdrawn_at)],
    }


class RecoveryBody(CardBody):
    """The card body with the rows of an invitation."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._labels = {row_id: Content(label) for row_id, label in RECOVERY_ROWS}

    def show(self, head: tuple[str, str] | None, values: dict[str, list[str]]) -> None:
        rows = [
            (row_id, "\n".join(values[row_id])) for row_id, _ in RECOVERY_ROWS if values.get(row_id)
        ]
        shown = (head, rows)
        if shown != self._shown:
            self._shown = shown
            self._head = None if head is None else (Content(head[0]), Content(head[1]))
            self._rows = [(row_id, Content(text)) for row_id, text in rows]
            self.refresh()


class RecoveryCard(ContactCard):
    """One pending invitation: who, when, how long, the message, the
    profile, and what the address-book decks say about the person."""

    def __init__(self, facts: Callable[[Contact], CardFacts], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._facts = facts
        self._body = RecoveryBody(id="card-body")

    def show(self, c: Contact | None, empty_text: str = "") -> None:
        if c is None:
            super().show(None, empty_text)
            return
        facts = self._facts(c)
        super().show(c, empty_text)  # the classes and the empty card
        decision = decision_text(c, facts.withdrawn_at)
        self.set_class(bool(facts.withdrawn_at), "-withdrawn")
        self._body.show((c.name or "(no name)", "invitation pending"), recovery_values(c, facts))
        if self.border_subtitle != decision:
            self.border_subtitle = decision


def recovery_choices(st: DeckStatus) -> list[tuple[WalkFilter, str, int]]:
    words = DECIDED_WORDS["recovery"]
    out: list[tuple[WalkFilter, str, int]] = [
        (WalkFilter("all"), "all invitations", st.contacts),
        (WalkFilter("undecided"), words["undecided"], st.undecided),
        (WalkFilter("invite"), words["invite"], st.invite),
        (WalkFilter("skip"), words["skip"], st.skip),
    ]
    out += [(WalkFilter("tag", t), f"tag: {t}", n) for t, n in st.tags.items()]
    out += [
        (WalkFilter("flag", f), f"flag: {FLAG_LABELS[f]}", st.flags.get(f, 0))
        for f in FLAGS
        if st.flags.get(f, 0)
    ]
    return out


def _b(key: str, action: str, text: str, tip: str, bid: str, show: bool = True) -> Binding:
    return Binding(key, action, text, show=show, tooltip=tip, id=f"triage.{bid}")


WITHDRAWN = _b(
    "w",
    "withdrawn",
    "Withdrawn",
    "Withdrawn on LinkedIn: stamp today's date and go on (again: clear it)",
    "withdrawn",
)
# The keys of an address book a recovery deck words its own way, by key.
_RECOVERY_KEYS: dict[str, Binding] = {
    "a": _b("a", "invite", "Keep", "Keep this invitation, then the next undecided card", "invite"),
    "s": _b("s", "skip", "Withdraw", "Mark it to withdraw, then the next undecided card", "skip"),
    "S": _b(
        "S",
        "skip_all",
        "Skip all",
        "Not in a recovery deck: each invitation is kept or withdrawn on its own",
        "skip_all",
        show=False,
    ),
    "n": _b("n", "note", "Note", "Not used in a recovery deck", "note", show=False),
    "o": _b("o", "open", "Open", "Open the person's profile in the browser", "open", show=False),
    "f": _b("f", "filter", "Filter", "Show only some cards: a decision, tags, flags", "filter"),
    "e": _b("e", "checklist", "Checklist", "How to write the withdraw checklist", "export"),
}


def recovery_bindings() -> list[BindingType]:
    """The walk's keys in a recovery deck's words, ``w`` beside ``s`` (the
    footer and the help list them in this order)."""
    out: list[BindingType] = [*Screen.BINDINGS]
    for b in review_bindings():
        key = b.key if isinstance(b, Binding) else ""
        out.append(_RECOVERY_KEYS.get(key, b))
        if key == "s":
            out.append(WITHDRAWN)
    return out


# The help screen's order: the address book's, with the stamp beside withdraw.
HELP_IDS: tuple[str, ...] = tuple(
    bid for i in BINDING_IDS for bid in ((i, "triage.withdrawn") if i == "triage.skip" else (i,))
)

# How the footer fits a narrow terminal (at 80 columns, without the checklist
# hint; at 50, the decisions, the stamp, moving, undo and help): every key
# still works and help lists it.
FOOTER_STEPS: tuple[Step, ...] = (
    ("checklist", None),
    ("tag", None),
    ("filter", None),
    ("app.quit", None),
    ("withdrawn", "Stamp"),
)


class RecoveryScreen(ReviewScreen, inherit_bindings=False):
    """The walk through a recovery deck, and its checklist mode."""

    BINDINGS: ClassVar[list[BindingType]] = recovery_bindings()
    HELP_IDS = HELP_IDS
    PALETTE = PALETTE

    def new_footer(self) -> WalkFooter:
        return FittingFooter(FOOTER_STEPS)

    def new_card(self) -> ContactCard:
        return RecoveryCard(self._card_facts, id="card")

    def new_walk(self, start: WalkStart) -> Walk:
        return RecoveryWalk(self.store, self.deck, order=self._order, start=start)

    def _card_facts(self, c: Contact) -> CardFacts:
        walk = self.walk
        assert isinstance(walk, RecoveryWalk)
        return walk.facts(c)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("withdrawn", "note") and (self.walk_view is None or self.contact is None):
            return None
        return super().check_action(action, parameters)

    def action_withdrawn(self) -> None:
        walk = self.walk
        if isinstance(walk, RecoveryWalk):
            self.walk_view = walk.stamp_withdrawn()

    def action_note(self) -> None:
        self.notify("A recovery deck has no invitation notes.", markup=False)

    def action_checklist(self) -> None:
        self.notify(CHECKLIST_HINT, markup=False, timeout=8)

    def action_filter(self) -> None:
        from triage.ui.filter import FilterScreen

        if self.walk is not None:
            choices = recovery_choices(self.walk.status())
            self.app.push_screen(FilterScreen(choices, self.walk.filter), self.apply_filter)
