"""Turn a :class:`RawRecord` into a cleaned :class:`Person`.

Why the fast paths: validation dominates import time.  BASELINES.md measured
``email_validator.validate_email`` at ~25 µs per address and phonenumbers
parse + validate + E.164 at ~28 µs per number (38 µs with a second region),
against ~13 µs per record for the rest of an import; the import target is
25,000 records/s on 2 cores, i.e. ~80 µs of CPU per record in all.  On 100k
mixed US/GB/DE/IN records (1.4 emails, 1.4 phones each, 10 % repeats), one
core, the VM shared with other jobs: the straightforward version (every
address through email-validator, parse + ``is_valid_number`` per number and
region, no caches) took 103 µs/record; this module took ~57 µs/record, most
of it ``phonenumbers.parse``; with phones.py and the rest below it takes
~14 µs/record of CPU (cold caches, the generated 100k Google rows).  What it
does:

* caches results per address and per (number, region) in bounded dicts;
* email fast path: a plain ASCII dot-atom address on an ordinary domain is
  accepted by one regex (~1.5 µs instead of ~25 µs) with the normalised form
  email-validator gives (local part as typed, domain lower-cased).  It applies
  email-validator's own lists (read from the library's source): the RFC 2142
  mailbox names it lower-cases and the special-use domains it rejects.
  Plain ASCII text that is not an address at all (no "@", "@@", a space,
  comma or trailing period, no period in the domain) is rejected by the
  shape email-validator checks, without it.  Anything else (non-ASCII,
  quotes, ``--``/``xn--`` labels, numeric or one-letter TLDs) goes through
  email-validator.  tests/test_normalize.py shows with hypothesis that the
  fast path never accepts what email-validator rejects and always returns
  its normalised string, and that the fast rejection never refuses what it
  accepts;
* phones go through :mod:`triage.phones`: exactly parse + ``is_valid_number``
  + E.164 (hypothesis tests again), ~6 µs a number instead of ~23 µs;
* the country hints for phones are worked out only for records with phones.

phonenumbers and email_validator are imported on first use (31 + 46 ms), so
importing this module stays cheap for the UI start-up; email_validator only
for an address neither fast path can answer.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.ingest import phones
from triage.ingest.names import guess_name, role_address, split_name
from triage.ingest.regions import country_region, tld_region, valid_region
from triage.model import FLAG_BITS, Email, Phone, RawRecord

__all__ = ["Normalizer", "Person", "email_key"]

NAME_LIMIT = 500  # name, given, family, org, title, unparsed emails/phones
NOTES_LIMIT = 20_000
CACHE_SIZE = 1 << 15  # entries per cache (a few MB); a full cache is dropped and refilled


@dataclass(slots=True)
class Person:
    """A cleaned record, ready for the merger."""

    line: int
    kind: str
    name: str
    given: str = ""
    family: str = ""
    org: str = ""
    title: str = ""
    emails: list[Email] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    notes: str = ""
    labels: list[str] = field(default_factory=list)
    connected_on: str = ""
    invited_on: str = ""
    profile_url: str = ""
    flags: int = 0
    website: str = ""
    city: str = ""


# --- text helpers ------------------------------------------------------------

# C0 control characters and DEL.  Exports must not carry them (a NUL can make
# a CSV reader fail or take the file for binary).  In one-line fields the ones
# str.split() counts as whitespace (TAB, LF, VT, FF, CR, FS..US) become a
# space and the others are dropped; notes keep their TABs and line breaks.
# The tables are applied only when ``str.isprintable()`` says there may be
# something to remove: that check costs a few tens of nanoseconds on an
# ordinary field, a translation about ten times more.
_CONTROLS = [*range(0x20), 0x7F]
_ONE_LINE: dict[int, str | None] = {c: " " if chr(c).isspace() else None for c in _CONTROLS}
_MULTI_LINE: dict[int, str | None] = {c: None for c in _CONTROLS if chr(c) not in "\t\n"}
_MULTI_LINE.update({ord("\v"): "\n", ord("\f"): "\n", ord("\r"): "\n"})


def _one_line(text: str, limit: int) -> str:
    """``text`` stripped, without control characters (whitespace ones become
    spaces) and cut to ``limit`` characters."""
    if not text.isprintable():
        text = text.translate(_ONE_LINE)
    return text.strip()[:limit]


def _notes(text: str) -> str:
    """Notes without control characters other than TAB and line breaks
    (CRLF, CR, VT and FF become LF), stripped and cut to NOTES_LIMIT."""
    if len(text) > NOTES_LIMIT:
        text = text[: NOTES_LIMIT * 2]
    if not text.isprintable():
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        text = text.translate(_MULTI_LINE)
    return text.strip()[:NOTES_LIMIT].rstrip()  # the cut may fall after a space


def _clip(text: str, limit: int) -> str:
    """Whitespace collapsed, control characters dropped and cut to ``limit``
    characters (a 10 MB cell is cut before it is split, so it cannot cost
    more than a normal one)."""
    if not text:
        return text
    if len(text) <= limit:
        if text.isprintable():
            # Printable text holds no whitespace but the ASCII space (the
            # rest is "Separator" or "Other" to Unicode): most is already
            # collapsed.
            if "  " in text or text[0] == " " or text[-1] == " ":
                return " ".join(text.split())
            return text
        return " ".join(text.translate(_ONE_LINE).split())
    text = text[: limit * 4]
    if not text.isprintable():
        text = text.translate(_ONE_LINE)
    return " ".join(text.split())[:limit].rstrip()  # the cut may fall after a space


def email_key(address: str) -> str:
    return address.strip().casefold()


# --- emails ------------------------------------------------------------------

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FAST_EMAIL = re.compile(rf"({_ATEXT}+(?:\.{_ATEXT}+)*)@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})")
_WRAPPED = re.compile(r"[^<>]*<([^<>]*)>\s*", re.S)


@functools.cache
def _email_rules() -> tuple[frozenset[str], frozenset[str]]:
    """email-validator's own lists: the special-use domains it rejects and the
    RFC 2142 mailbox names whose local part it lower-cases.

    They are read from the library's source, not by importing it: the import
    compiles its regular expressions (~35 ms, paid before an import's workers
    can start) and most imports never need the library itself (the fast
    paths answer for every address it would not change).  Where the source
    cannot be read, the library is imported."""
    lists = _library_lists(
        "email_validator",
        [
            ("__init__.py", "SPECIAL_USE_DOMAIN_NAMES"),
            ("rfc_constants.py", "CASE_INSENSITIVE_MAILBOX_NAMES"),
        ],
    )
    if lists is None:
        import email_validator
        from email_validator import rfc_constants

        lists = [
            email_validator.SPECIAL_USE_DOMAIN_NAMES,
            rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES,
        ]
    special, mailboxes = lists
    return frozenset(special), frozenset(mailboxes)


def _library_lists(package: str, wanted: list[tuple[str, str]]) -> list[list[str]] | None:
    """The lists of strings that modules of ``package`` assign to names at
    their top level (``wanted``: (file, name) pairs), read from the source
    without running it.  None when the package is imported already (its
    objects are at hand), a file cannot be read, or a name is not assigned a
    literal list of strings."""
    import ast
    import importlib.util

    if package in sys.modules:
        return None
    try:
        spec = importlib.util.find_spec(package)
        folders = spec.submodule_search_locations if spec is not None else None
        if not folders:
            return None
        folder = Path(next(iter(folders)))
        lists: list[list[str]] = []
        for file, name in wanted:
            tree = ast.parse((folder / file).read_text(encoding="utf-8"))
            values = [
                ast.literal_eval(node.value)
                for node in tree.body
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            ]
            value = values[-1] if values else None
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                return None
            lists.append(value)
        return lists
    except (ImportError, OSError, SyntaxError, ValueError, UnicodeError):
        return None


def _fast_email(address: str) -> str | None:
    """The normalised form of an ordinary ASCII address, or None to ask
    email-validator.  Never accepts what email-validator rejects."""
    if len(address) > 254:
        return None
    match = _FAST_EMAIL.fullmatch(address)
    if match is None:
        return None
    local, domain = match.groups()
    special, case_insensitive = _email_rules()
    domain = domain.lower()
    if len(local) > 64 or "--" in domain or domain.rpartition(".")[2] in special:
        return None
    if local.lower() in case_insensitive:  # email-validator lower-cases Info@, POSTMASTER@
        local = local.lower()
    return local + "@" + domain


# What email-validator checks of an ASCII address without quotes, escapes,
# comments, brackets or a display name: one dot-atom, one "@" and a host name
# with a period.  Text of that kind in any other shape is rejected by it.
# (Quoted local parts, domain literals and display names are its options:
# such text is always left to it.)
_UNQUOTED = re.compile(r'[^"\\()<>\[\]]*')
_SHAPE = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@{_LABEL}(?:\.{_LABEL})+")


def _surely_invalid(address: str) -> bool:
    """True when email-validator is sure to reject ``address`` (a trailing
    period, a space or comma, "@@", no "@" or no period after it, ...), so it
    need not be asked.  Never true of an address it accepts."""
    return (
        address.isascii()
        and _UNQUOTED.fullmatch(address) is not None
        and _SHAPE.fullmatch(address) is None
    )


def _clean_email(raw: str) -> str:
    """Strip whitespace, a ``Name <addr>`` wrapper, ``<>`` and ``mailto:``."""
    text = raw.strip()
    if "<" in text:
        match = _WRAPPED.fullmatch(text)
        if match:
            text = match.group(1).strip()
    text = text.strip("<> \t")
    if text[:7].lower() == "mailto:":
        text = text[7:].split("?", 1)[0].strip()
    return text.rstrip(",;")


# --- phones ------------------------------------------------------------------

_DIGIT = re.compile(r"\d")
_INTERNATIONAL = re.compile(r"[\s(]*(\+|00)")
# Among ASCII characters \d matches 0-9 only: deleting the other 118 keeps
# what findall finds, in one pass.
_ASCII_NON_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not 48 <= c <= 57))


def _digits(text: str) -> str:
    """Every digit of ``text`` (Unicode digits too), in order."""
    if text.isascii():
        return text.translate(_ASCII_NON_DIGITS)
    return "".join(_DIGIT.findall(text))


def _readable(e164: str, text: str) -> Phone:
    """A valid number with its international form, and the typed text when
    its digits differ from the number's (typed nationally, or with a prefix)."""
    typed = _digits(text)
    original = "" if typed == e164[1:] else text[:NAME_LIMIT]
    return Phone(e164, True, phones.international(e164), original)


def _e164(text: str, region: str | None) -> str:
    """E.164 when ``text`` is a valid number read in ``region``, else "".
    Same answer as parse + ``is_valid_number``, only faster (see phones.py)."""
    return phones.e164(text, region)


# --- the normaliser ----------------------------------------------------------

_NO_EMAIL = FLAG_BITS["no_email"]
_INVALID_EMAIL = FLAG_BITS["invalid_email"]
_ROLE = FLAG_BITS["role_address"]
_CONNECTED = FLAG_BITS["connected"]
_INVITED = FLAG_BITS["invited"]
_NAME_GUESSED = FLAG_BITS["name_guessed"]
_PHONE_UNPARSED = FLAG_BITS["phone_unparsed"]
_NO_PROFILE = FLAG_BITS["no_profile"]


class Normalizer:
    """Callable that cleans records; holds the caches, so keep one per import
    (per worker process).  Written for speed: it runs 100k times per import."""

    def __init__(self, default_region: str) -> None:
        if not valid_region(default_region):
            raise ValueError(f"unknown phone region {default_region!r}")
        self.default_region = default_region.upper()
        self._emails: dict[str, tuple[str, bool, bool]] = {}  # -> (address, valid, role)
        self._phones: dict[tuple[str, str | None], str] = {}
        _email_rules()
        phones.warm()

    def __getstate__(self) -> dict[str, Any]:  # send to a worker without the caches
        return {"default_region": self.default_region}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.default_region = state["default_region"]
        self._emails = {}
        self._phones = {}

    def __call__(self, record: RawRecord) -> Person:
        emails, flags = self._emails_of(record.emails)
        phones = (
            self._phones_of(record.phones, self._regions(record, emails)) if record.phones else []
        )
        for phone in phones:
            if not phone.valid:
                flags |= _PHONE_UNPARSED
                break

        name = _clip(record.full_name, NAME_LIMIT) or _clip(
            f"{record.given} {record.middle} {record.family}", NAME_LIMIT
        )
        given = _clip(record.given, NAME_LIMIT)
        family = _clip(record.family, NAME_LIMIT)
        org = _clip(record.org, NAME_LIMIT)
        if not name and emails:
            # Only a name read from the address is guessed; a person with
            # nothing to guess from keeps no name (the window says so).
            name = guess_name(emails[0].address)
            if name:
                flags |= _NAME_GUESSED
        if name and not given and not family:
            given, family = split_name(name)
        connected_on = record.connected_on and _one_line(record.connected_on, NAME_LIMIT)
        if connected_on:
            flags |= _CONNECTED
        invited_on = record.invited_on and _one_line(record.invited_on, NAME_LIMIT)
        if invited_on:
            flags |= _INVITED
        if not record.profile_url:
            flags |= _NO_PROFILE
        labels: list[str] = []
        for label in record.labels:
            label = _clip(label, NAME_LIMIT)
            if label and label not in labels:
                labels.append(label)
        return Person(
            record.line,
            record.kind,
            name,
            given,
            family,
            org,
            _clip(record.title, NAME_LIMIT),
            emails,
            phones,
            record.notes and _notes(record.notes),
            labels,
            connected_on,
            invited_on,
            record.profile_url and _one_line(record.profile_url, NAME_LIMIT),
            flags,
            record.website and _one_line(record.website, NAME_LIMIT),
            record.city and _clip(record.city, NAME_LIMIT),
        )

    def reread_phone(self, text: str, emails: list[Email]) -> Phone | None:
        """A phone kept as typed because it did not parse, read again in this
        normaliser's region (after the email country domains): the valid
        number, or None."""
        regions: list[str] = []
        for email in emails:
            region = tld_region(email.address) if email.valid else None
            if region and region not in regions:
                regions.append(region)
        if self.default_region not in regions:
            regions.append(self.default_region)
        text = text.strip()
        if not text or not _DIGIT.search(text):
            return None
        e164 = self._phone_e164(text, regions)
        return _readable(e164, text) if e164 else None

    def _regions(self, record: RawRecord, emails: list[Email]) -> list[str]:
        """Where to read national phone numbers: the address countries, the
        email country domains, then the deck's default region."""
        regions: list[str] = []
        for value in record.countries:
            region = country_region(value)
            if region and region not in regions:
                regions.append(region)
        for email in emails:
            region = tld_region(email.address) if email.valid else None
            if region and region not in regions:
                regions.append(region)
        if self.default_region not in regions:
            regions.append(self.default_region)
        return regions

    def _emails_of(self, raws: list[str]) -> tuple[list[Email], int]:
        """Valid emails in file order, then invalid ones; and their flags."""
        valid: list[Email] = []
        invalid: list[Email] = []
        seen: set[str] = set()
        flags = 0
        for raw in raws:
            text = raw.strip() if raw.isprintable() else raw.translate(_ONE_LINE).strip()
            if not text:
                continue
            if ":" in text or "<" in text or text[-1] in ",;>":
                text = _clean_email(text)
                if not text or text[:7].lower() == "urn:li:":
                    continue
            cached = self._emails.get(text) or self._check_email(text)
            address, ok, role = cached
            key = address.casefold()
            if key in seen:
                continue
            seen.add(key)
            if role:
                flags |= _ROLE
            if ok:
                valid.append(Email(address, True, role))
            else:
                invalid.append(Email(address, False, role))
        if not valid:
            flags |= _NO_EMAIL
        if invalid:
            flags |= _INVALID_EMAIL
            valid.extend(invalid)
        return valid, flags

    def _check_email(self, text: str) -> tuple[str, bool, bool]:
        """Validate a cleaned address and remember the answer."""
        address = _fast_email(text)
        valid = address is not None
        if address is None:
            # Over 254 characters is past email-validator's limit: don't feed it 10 MB.
            if len(text) > 254 or _surely_invalid(text):
                address = text[:NAME_LIMIT]
            else:
                address, valid = _validate_email(text)
        if address == text:
            address = text  # one string in the cache, not two
        result = (address, valid, role_address(address))
        if len(self._emails) >= CACHE_SIZE:
            self._emails.clear()
        self._emails[text] = result
        return result

    def _phones_of(self, raws: list[str], regions: list[str]) -> list[Phone]:
        seen: set[str] = set()
        phones: list[Phone] = []
        for raw in raws:
            text = raw.strip() if raw.isprintable() else raw.translate(_ONE_LINE).strip()
            if text[:1] in "tT" and text[:4].lower() == "tel:":
                text = text[4:].strip()
            if not text or not _DIGIT.search(text):
                continue
            e164 = self._phone_e164(text, regions)
            if e164:
                key, phone = e164, _readable(e164, text)
            else:
                key = "?" + _digits(text)
                phone = Phone(text[:NAME_LIMIT], valid=False)
            if key not in seen:
                seen.add(key)
                phones.append(phone)
        return phones

    def _phone_e164(self, text: str, regions: list[str]) -> str:
        if text[0] in "+(0":
            international = _INTERNATIONAL.match(text)
            if international:
                if international.group(1) == "00":
                    start, end = international.span(1)
                    text = text[:start] + "+" + text[end:]
                return self._cached_e164(text, None)
        for region in regions:
            e164 = self._cached_e164(text, region)
            if e164:
                return e164
        return ""

    def _cached_e164(self, text: str, region: str | None) -> str:
        key = (text, region)
        e164 = self._phones.get(key)
        if e164 is None:
            e164 = _e164(text, region)
            if len(self._phones) >= CACHE_SIZE:
                self._phones.clear()
            self._phones[key] = e164
        return e164


def _validate_email(text: str) -> tuple[str, bool]:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized, True
    except EmailNotValidError:
        return text[:NAME_LIMIT], False
