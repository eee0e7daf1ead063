"""The withdraw checklist: the people of a recovery deck marked withdraw, in
the order to work through LinkedIn's Sent page, between the two steps that
open and close the job (FORMATS.md §4).

Three forms: an HTML page (one self-contained file: no script, font or
stylesheet from elsewhere, plain checkboxes that tick without script, a
layout that fits a phone and prints on A4 and Letter), CSV and Markdown.
LinkedIn withdraws one invitation at a time and must not be automated, so
the checklist only links to the pages; the person does the clicking.
"""

from __future__ import annotations

import contextlib
import csv
import html
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from triage.export.formats import guard

SENT_PAGE: Final = "https://www.linkedin.com/mynetwork/invitation-manager/sent/"
SAVED_CONTACTS_PAGE: Final = "https://www.linkedin.com/mynetwork/import-contacts/saved-contacts/"
FORMATS: Final = ("html", "csv", "md")
ORDERS: Final = ("newest", "oldest")
FIRST_STEP: Final = "Open your sent invitations on LinkedIn (newest first; scroll for more)"
LAST_STEP: Final = "Delete the address book you uploaded, or LinkedIn keeps suggesting those people"
RELOCK_NOTE: Final = (
    "After a withdrawal LinkedIn will not let you invite that person again for up to"
    " three weeks. Withdrawing stops the reminder emails, not the first one."
)


@dataclass(slots=True, frozen=True)
class Entry:
    """One person to withdraw."""

    name: str
    sent_at: str  # ISO date, with the time when known
    profile_url: str
    withdrawn_at: str = ""  # ISO stamp of the "withdrawn" mark, '' if not yet


def ordered(entries: Sequence[Entry], order: str) -> list[Entry]:
    """``newest`` first (stops the most reminders still to come) or ``oldest``."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order}")
    return sorted(entries, key=lambda e: (e.sent_at, e.name), reverse=order == "newest")


def shown_time(stamp: str) -> str:
    """``2026-01-29T14:37`` -> ``2026-01-29 14:37``; '' stays ''."""
    return stamp.replace("T", " ")[:16]


def safe_url(url: str) -> str:
    """The URL when it is an http(s) address, else '' (a file cannot make
    the page run ``javascript:``)."""
    text = url.strip()
    lowered = text.casefold()
    if lowered.startswith(("https://", "http://")) and not any(c.isspace() for c in text):
        return text
    return ""


def _title(entries: Sequence[Entry]) -> str:
    n = len(entries)
    return f"Withdraw {n:,} invitation{'s' * (n != 1)}"


def _order_words(order: str) -> str:
    if order == "newest":
        return "newest first, the order of LinkedIn's Sent page (stops the most reminders)"
    return "oldest first (the ones pending longest)"


# -------------------------------------------------------------------- HTML

_CSS: Final = """
:root { color-scheme: light dark; --line: #8884; --muted: #666; }
* { box-sizing: border-box; }
body {
  margin: 0; padding: 1rem;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
}
main { max-width: 46rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.meta, .note { color: var(--muted); margin: .25rem 0 1rem; }
ol { list-style: none; margin: 0; padding: 0; }
li {
  display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem .75rem;
  padding: .6rem .25rem; border-bottom: 1px solid var(--line);
  break-inside: avoid; page-break-inside: avoid;
}
li.step { font-weight: 600; }
input[type=checkbox] { width: 1.25rem; height: 1.25rem; margin: 0; flex: none; align-self: center; }
label { flex: 1 1 12rem; min-width: 0; overflow-wrap: anywhere; }
.sent, .done { color: var(--muted); font-size: .9rem; }
a { overflow-wrap: anywhere; }
@media (prefers-color-scheme: dark) { :root { --muted: #aaa; } }
@media print {
  @page { margin: 14mm 12mm; }
  :root { color-scheme: light; --muted: #444; }
  body { padding: 0; font-size: 11pt; color: #000; background: #fff; }
  main { max-width: none; }
  li { padding: .3rem 0; }
  a { color: #000; text-decoration: none; }
  a.profile::after, li.step a::after { content: " " attr(href); font-size: 9pt; }
  input[type=checkbox] { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def write_html(entries: Sequence[Entry], fh: IO[str], *, deck: str, made: str, order: str) -> None:
    title = _title(entries)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">Deck {_esc(deck)} · made {_esc(made)} · {_esc(_order_words(order))}</p>',
        '<ol id="checklist">',
        '<li class="step" id="first-step"><input type="checkbox" id="step-first">'
        f'<label for="step-first">1. {_esc(FIRST_STEP)}</label>'
        f'<a href="{_esc(SENT_PAGE)}">{_esc(SENT_PAGE)}</a></li>',
    ]
    for number, e in enumerate(entries, start=2):
        box = f"p{number}"
        checked = " checked" if e.withdrawn_at else ""
        url = safe_url(e.profile_url)
        link = (
            f'<a class="profile" href="{_esc(url)}">profile</a>'
            if url
            else '<span class="sent">no profile link: find the name on the Sent page</span>'
        )
        sent = f"sent {shown_time(e.sent_at)}" if e.sent_at else "sent (date unknown)"
        done = (
            f'<span class="done">withdrawn on {_esc(e.withdrawn_at[:10])}</span>'
            if e.withdrawn_at
            else ""
        )
        out.append(
            f'<li class="person"><input type="checkbox" id="{box}"{checked}>'
            f'<label for="{box}">{number}. <span class="name">{_esc(e.name or "(no name)")}'
            f'</span></label><span class="sent">{_esc(sent)}</span>{link}{done}</li>'
        )
    last = len(entries) + 2
    out += [
        '<li class="step" id="last-step"><input type="checkbox" id="step-last">'
        f'<label for="step-last">{last}. {_esc(LAST_STEP)}</label>'
        f'<a href="{_esc(SAVED_CONTACTS_PAGE)}">{_esc(SAVED_CONTACTS_PAGE)}</a></li>',
        "</ol>",
        f'<p class="note">{_esc(RELOCK_NOTE)}</p>',
        "</main>",
        "</body>",
        "</html>",
    ]
    fh.write("\n".join(out) + "\n")


# --------------------------------------------------------------------- CSV

CSV_HEADER: Final = ("Step", "Done", "Name", "Sent", "Link", "Withdrawn On")


def write_csv(entries: Sequence[Entry], fh: IO[str], *, deck: str, made: str, order: str) -> None:
    w = csv.writer(fh, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    w.writerow(["1", "", FIRST_STEP, "", SENT_PAGE, ""])
    for number, e in enumerate(entries, start=2):
        w.writerow(
            [
                str(number),
                "x" if e.withdrawn_at else "",
                guard(e.name),
                shown_time(e.sent_at),
                guard(safe_url(e.profile_url)),
                e.withdrawn_at[:10],
            ]
        )
    w.writerow([str(len(entries) + 2), "", LAST_STEP, "", SAVED_CONTACTS_PAGE, ""])


# ---------------------------------------------------------------- Markdown

_MD_SPECIAL: Final = str.maketrans({ch: f"\\{ch}" for ch in "\\`*_{}[]<>()#+-.!|~"})


def _md(text: str) -> str:
    return " ".join(text.split()).translate(_MD_SPECIAL)


def _md_url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def write_md(entries: Sequence[Entry], fh: IO[str], *, deck: str, made: str, order: str) -> None:
    lines = [
        f"# {_title(entries)}",
        "",
        f"Deck {_md(deck)}, made {made}, {_order_words(order)}.",
        "",
        f"1. [ ] {FIRST_STEP}: <{SENT_PAGE}>",
    ]
    for number, e in enumerate(entries, start=2):
        url = safe_url(e.profile_url)
        name = _md(e.name or "(no name)")
        who = f"[{name}]({_md_url(url)})" if url else f"{name} (no profile link)"
        sent = f"sent {shown_time(e.sent_at)}" if e.sent_at else "sent (date unknown)"
        done = f" — withdrawn on {e.withdrawn_at[:10]}" if e.withdrawn_at else ""
        lines.append(f"{number}. [{'x' if e.withdrawn_at else ' '}] {who} — {sent}{done}")
    lines += [
        f"{len(entries) + 2}. [ ] {LAST_STEP}: <{SAVED_CONTACTS_PAGE}>",
        "",
        RELOCK_NOTE,
        "",
    ]
    fh.write("\n".join(lines))


Writer = Callable[..., None]
WRITERS: Final[dict[str, Writer]] = {"html": write_html, "csv": write_csv, "md": write_md}


def format_for(path: str, given: str | None) -> str:
    """The format asked for, else the one the file name ends with, else html."""
    if given:
        return given
    suffix = Path(path).suffix.casefold().lstrip(".")
    return (
        {"htm": "html", "markdown": "md"}.get(suffix, suffix)
        if suffix
        in (
            *FORMATS,
            "htm",
            "markdown",
        )
        else "html"
    )


def write_checklist(
    entries: Sequence[Entry],
    out: Path | None,
    *,
    fmt: str,
    deck: str,
    made: str,
    order: str,
    stdout: IO[str] | None = None,
) -> None:
    """Write the checklist (ordered here) to ``out`` atomically (a temp file
    renamed into place, mode 0600), or to ``stdout`` when ``out`` is None."""
    writer = WRITERS[fmt]
    rows = ordered(entries, order)
    newline = "" if fmt == "csv" else None
    if out is None:
        assert stdout is not None
        writer(rows, stdout, deck=deck, made=made, order=order)
        return
    folder = out.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            writer(rows, fh, deck=deck, made=made, order=order)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
