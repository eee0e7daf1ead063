"""The product's fixed lists and the words for them, in one place: decisions,
flags, walk orders, import and export formats.  The command line, the window
and the docs all take their choices and wording from here."""

from __future__ import annotations

from typing import Final

from triage.model import FLAGS, WalkFilter

DECISION_WORDS: Final = {"undecided": "undecided", "invite": "invited", "skip": "skipped"}

# Deck kinds (the first is the default) and how each words its two decisions:
# the binding ids stay `invite` and `skip`, a recovery deck keeps or withdraws.
DECK_KINDS: Final = ("address_book", "recovery")
DECISION_VERBS: Final[dict[str, dict[str, str]]] = {
    "address_book": {"invite": "invite", "skip": "skip"},
    "recovery": {"invite": "keep", "skip": "withdraw"},
}
DECIDED_WORDS: Final[dict[str, dict[str, str]]] = {
    "address_book": DECISION_WORDS,
    "recovery": {"undecided": "undecided", "invite": "kept", "skip": "to withdraw"},
}
# How `status --json` and the reports name each deck kind.
DECK_KIND_NAMES: Final[dict[str, str]] = {"address_book": "address-book", "recovery": "recovery"}

# How the card, the filter chooser, the summary and the reports name each flag.
FLAG_LABELS: Final[dict[str, str]] = {
    "no_email": "no email",
    "invalid_email": "invalid email",
    "role_address": "role address",
    "connected": "already connected",
    "invited": "already invited",
    "merged": "merged",
    "name_guessed": "name guessed",
    "phone_unparsed": "phone not recognised",
    "pending": "invitation pending",
    "locked": "withdrawn lately",
    "name_match": "same name on LinkedIn",
    "no_profile": "no LinkedIn profile",
}
assert tuple(FLAG_LABELS) == FLAGS

# How the filter chooser and the header name the walk's reach: the people a
# LinkedIn upload can invite (the default walk), or the others.
REACH_LABELS: Final[dict[str, str]] = {
    "upload": "can be invited",
    "outside": "cannot be invited by upload",
}

# Walk orders (the first is the default).
ORDERS: Final = ("event", "name", "company", "source")
ORDER_LABELS: Final[dict[str, str]] = {
    "event": "event (a mixed, stable shuffle)",
    "name": "name",
    "company": "company",
    "source": "source file",
}
assert tuple(ORDER_LABELS) == ORDERS

# A recovery deck walks its pending invitations by sent date (the first is its
# default: withdrawing the newest first stops the most reminders still to
# come), or in the usual orders.
SENT_ORDER_LABELS: Final[dict[str, str]] = {
    "newest": "newest invitation first",
    "oldest": "oldest invitation first",
}
RECOVERY_ORDERS: Final = (*SENT_ORDER_LABELS, *ORDERS)


def orders_for(kind: str) -> tuple[str, ...]:
    """The walk orders a deck of this kind offers, its default first."""
    return RECOVERY_ORDERS if kind == "recovery" else ORDERS


def order_label(order: str) -> str:
    return ORDER_LABELS.get(order) or SENT_ORDER_LABELS.get(order, order)


# What `triage import --format` reads, and how the report names it.
IMPORT_FORMATS: Final[dict[str, str]] = {
    "google": "Google CSV",
    "outlook": "Outlook CSV",
    "linkedin": "LinkedIn connections",
    "invitations": "LinkedIn invitations",
    "vcard": "vCard",
    "csv": "CSV",
    "full": "triage full export",
}

# What `triage export --format` writes (the first is the default), as the
# export dialog names it.
EXPORT_FORMATS: Final[dict[str, str]] = {
    "linkedin": "LinkedIn upload (First Name, Last Name, Email)",
    "google": "Google Contacts CSV",
    "outlook": "Outlook CSV",
    "vcard": "vCard 3.0 (.vcf)",
    "full": "Everything, for your records (CSV)",
}


def filter_label(flt: WalkFilter, kind: str = "address_book") -> str:
    """``all``, ``invited``, ``tag: work``, ``flag: no email`` (``kept`` in a
    recovery deck); several criteria joined: ``undecided · tag: work or
    berlin · can be invited``."""
    parts: list[str] = []
    if flt.decisions:
        words = DECIDED_WORDS[kind]
        parts.append(" or ".join(words[d] for d in DECISION_WORDS if d in flt.decisions))
    if flt.tags:
        parts.append("tag: " + " or ".join(sorted(flt.tags, key=str.casefold)))
    if flt.flags:
        parts.append("flag: " + " or ".join(FLAG_LABELS[f] for f in FLAG_LABELS if f in flt.flags))
    if flt.sources:
        parts.append("from: " + " or ".join(sorted(flt.sources)))
    if flt.reach:
        parts.append(REACH_LABELS[flt.reach])
    return " · ".join(parts) or "all"


def command(*words: str) -> str:
    """A triage command line to suggest to the user, quoted for the shell:
    ``command("review", "--deck", "my deck")`` -> ``triage review --deck 'my deck'``.
    A placeholder the user fills in (``FILE``) is passed as it is."""
    import shlex

    return shlex.join(["triage", *words])


def deck_option(deck: str) -> tuple[str, ...]:
    """``--deck NAME`` for a suggested command; nothing for the default deck."""
    return () if deck == "default" else ("--deck", deck)
