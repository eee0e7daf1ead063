"""Names for matching and display: folding accents and punctuation,
comparing two names, telling a shared mailbox from a person, guessing a name
from an address, and splitting a name into given and family parts."""

from __future__ import annotations

import re
import unicodedata

from triage.store.fold import strip_marks

_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i"})
_FOLD.update(str.maketrans({"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th"}))
_APOSTROPHES = re.compile(r"['’`´]")
_NON_ALNUM = re.compile(r"[\W_]+")


# For ASCII text the two regular expressions below are one table: the
# apostrophes (' and `) go, every other character but A-Z, a-z and 0-9 (what
# [\W_] matches among ASCII) becomes a space; the split then collapses the
# runs exactly as the substitution of whole runs did.
_ASCII_WORDS = str.maketrans(
    {chr(c): None if chr(c) in "'`" else " " for c in range(128) if not chr(c).isalnum()}
)


def fold(text: str) -> str:
    """Accent-stripped, casefolded, punctuation turned into single spaces."""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_WORDS).split())
    text = strip_marks(unicodedata.normalize("NFKD", text.translate(_FOLD))).casefold()
    return " ".join(_NON_ALNUM.sub(" ", _APOSTROPHES.sub("", text)).split())


def name_key(name: str) -> str:
    """For comparing names: accents, case, punctuation and word order ignored."""
    return " ".join(sorted(fold(name).split()))


def names_compatible(a: str, b: str) -> bool:
    """Could two names sharing a phone be one person?  "Jane Doe" and
    "Jane A. Doe" or "J. Doe" yes; "Jane Doe" and "John Doe" (a family's
    landline) or "John Smith" (an office switchboard) no."""
    ta, tb = fold(a).split(), fold(b).split()
    if not ta or not tb:
        return True
    sa, sb = set(ta), set(tb)
    if sa <= sb or sb <= sa:
        return True
    if not any(len(t) > 1 for t in sa & sb):
        return False
    # Pair each initial left on one side with a full word left on the other.
    ea, eb = [t for t in ta if t not in sb], [t for t in tb if t not in sa]
    for side, other in ((ea, eb), (eb, ea)):
        for initial in [t for t in side if len(t) == 1]:
            match = next((t for t in other if len(t) > 1 and t[0] == initial), None)
            if match is not None:
                side.remove(initial)
                other.remove(match)
    return not ea or not eb


_ROLE_NAMES = frozenset(
    """info sales support noreply donotreply admin administrator office hello jobs careers
    career press media marketing contact contacts enquiries enquiry inquiries inquiry billing
    accounts accounting hr team help helpdesk webmaster postmaster hostmaster mailerdaemon
    service services customerservice customercare customersupport newsletter news
    notifications notification reception abuse security privacy legal finance invoice
    invoices orders order shop store bookings booking reservations feedback partners
    recruiting recruitment talent events mail email general root bounce bounces unsubscribe
    alerts system do-not-reply no-reply mailer-daemon kontakt buero buro verwaltung vertrieb
    bewerbung bewerbungen karriere presse rechnung rechnungen anfrage empfang accueil
    commercial recrutement compta comptabilite secretariat bonjour""".replace("-", "").split()
)


def role_address(address: str) -> bool:
    """A shared mailbox (info@, no-reply@ ...) rather than a person."""
    local = address.rpartition("@")[0].split("+", 1)[0]
    if local.isascii():  # the common case, without a regex
        return local.lower().replace(".", "").replace("-", "").replace("_", "") in _ROLE_NAMES
    return _NON_ALNUM.sub("", fold(local)) in _ROLE_NAMES


_LETTER_DIGIT_LETTER = re.compile(r"[^\W\d_]\d+[^\W\d_]")
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def guess_name(address: str) -> str:
    """ "jane.doe@x" -> "Jane Doe"; "jdoe42@x" -> "Jdoe"; "" for role addresses
    and local parts that look like ids ("a8f3b2@x") or have no letters."""
    if "@" not in address or role_address(address):
        return ""
    local = address.rpartition("@")[0].split("+", 1)[0]
    if _LETTER_DIGIT_LETTER.search(local):
        return ""
    words = _WORDS.findall(local)
    if sum(map(len, words)) < 2:
        return ""
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


_PREFIXES = frozenset(["mr", "mrs", "ms", "miss", "dr", "prof", "herr", "frau", "mme", "mlle"])
_SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq", "dds"])


def _bare(word: str) -> str:
    return word.lower().replace(".", "")


def split_name(name: str) -> tuple[str, str]:
    """(given, family) for exports that need First/Last: "Jane Doe",
    "Dr. Jane A. Doe, PhD" and "Doe, Jane" all give ("Jane", "Doe")."""
    head, comma, tail = name.replace(",", ", ").partition(",")
    tail_words = [w.strip(",") for w in tail.split() if w.strip(",")]
    if comma and tail_words and not all(_bare(w) in _SUFFIXES for w in tail_words):
        words = [*tail_words, *head.split()]  # "Doe, Jane"
    else:
        words = head.split()
    while words and _bare(words[0]) in _PREFIXES:
        words.pop(0)
    while words and _bare(words[-1]) in _SUFFIXES:
        words.pop()
    if len(words) < 2:
        return "", ""
    return words[0], words[-1]
