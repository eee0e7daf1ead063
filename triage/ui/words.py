"""Plain words for what the card shows: flags, decisions, dates, provenance.

Kept apart from the widgets so the wording is one list a reviewer can read,
and so tests can check it without running an app.
"""

from __future__ import annotations

from datetime import datetime

from triage.model import FLAGS, INVITE, SKIP, Contact
from triage.vocab import FLAG_LABELS, ORDER_LABELS, filter_label

__all__ = ["FLAG_LABELS", "ORDER_LABELS", "filter_label"]


def day(stamp: str) -> str:
    """The local calendar date of an ISO time stamp (or the text as given)."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.date().isoformat()


def known_date(text: str) -> str:
    """A date from an import, or '' when the source did not say."""
    return "" if not text or text.startswith("unknown") else text


def flag_phrases(c: Contact) -> list[str]:
    """Every flag of a contact as a short sentence, in the card's order."""
    out: list[str] = []
    for name in FLAGS:
        if not c.has(name):
            continue
        if name == "no_email":
            out.append("no email — can't be in an upload")
        elif name == "connected":
            when = known_date(c.connected_on)
            out.append(f"already connected (on {when})" if when else "already connected")
        elif name == "invited":
            when = known_date(c.invited_on)
            out.append(f"already invited on {when}" if when else "already invited")
        elif name == "name_guessed":
            out.append(name_source(c))
        elif name == "merged":
            n = len(c.sources)
            out.append(f"merged from {n} records" if n > 1 else "merged")
        else:
            out.append(FLAG_LABELS[name])
    return out


def name_source(c: Contact) -> str:
    """Where the shown name came from when the source gave none."""
    if c.emails and c.name not in (c.org, c.emails[0].address):
        return "name guessed from the email address"
    if c.org and c.name == c.org:
        return "no name in the source: shown by the organisation"
    if c.phones and c.name == c.phones[0].number:
        return "no name in the source: shown by the phone number"
    return "no name in the source"


def link(c: Contact) -> str:
    """What ``o`` opens: the profile, else a new mail to the primary address."""
    if c.profile_url:
        url = c.profile_url
        return url if "://" in url else f"https://{url}"
    email = c.primary_email
    return f"mailto:{email}" if email else ""


def decision_phrase(c: Contact) -> str:
    when = day(c.decided_at)
    if c.decision == INVITE:
        return f"invited on {when}" if when else "invited"
    if c.decision == SKIP:
        return f"skipped on {when}" if when else "skipped"
    return "undecided"


def provenance(c: Contact) -> str:
    """``google.csv line 212; outlook.csv line 48``."""
    return "; ".join(provenance_lines(c))


PROVENANCE_SHOWN = 6


def provenance_lines(c: Contact) -> list[str]:
    """Where the card came from, a line per record; a person found in
    thousands of records shows the first few and how many more."""
    shown = [f"{s.file} line {s.line}" for s in c.sources[:PROVENANCE_SHOWN]]
    more = len(c.sources) - len(shown)
    if more:
        shown.append(f"and {more:,} more {'record' if more == 1 else 'records'}")
    return shown


def subtitle(c: Contact) -> str:
    """Title and organisation on one line: ``Engineer · Acme``."""
    org = "" if c.org == c.name else c.org  # a name guessed from the company
    return " · ".join(p for p in (c.title, org) if p)


def email_lines(c: Contact) -> list[str]:
    primary = c.primary_email
    lines = []
    for e in c.emails:
        notes = []
        if e.address == primary:
            notes.append("primary")
        if not e.valid:
            notes.append("invalid")
        if e.role:
            notes.append("role address")
        lines.append(f"{e.address}  ({', '.join(notes)})" if notes else e.address)
    return lines


def phone_lines(c: Contact) -> list[str]:
    """Each number in its readable international form, with the text the
    source had when that said more (``+49 6123 44848  (typed 06123 44848)``)."""
    lines = []
    for p in c.phones:
        if not p.valid:
            lines.append(f"{p.number}  (not recognised)")
        elif p.original:
            lines.append(f"{p.readable}  (typed {p.original})")
        else:
            lines.append(p.readable)
    return lines
