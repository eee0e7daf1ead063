# Hand-written vCard 2.1/3.0/4.0 reader.  We do not use vobject: it fails on 8 of
# the 30 corpus files (QP soft breaks, CR CR LF, bad base64) and one bad card
# aborts the whole file, so the rest of the address book would be lost.
"""Read vCard files (2.1, 3.0 and 4.0) into :class:`RawRecord` items.

The reader works line by line and keeps only the properties the app needs
(FN, N, ORG, TITLE, EMAIL, TEL, NOTE, CATEGORIES, ADR, URL).  Everything else,
including PHOTO/LOGO/SOUND/KEY blobs, is skipped without being joined or
decoded.  Values are interpreted when the card ends, because ``VERSION`` may
come anywhere in the card and decides how backslashes are read.

A card may hold other cards: 2.1 writers nest ``BEGIN:VCARD`` blocks, and
``AGENT`` carries a whole vCard (2.1: nested lines; 3.0: one escaped value).
The outer card carries on after them, and an inner card with a name, email
or phone is a person of its own.

Lines of a file in a legacy code page come raw (one Latin-1 character per
byte, see :class:`triage.ingest.decoding.Encoding`): each value is decoded
with its own ``CHARSET=``, else as UTF-8 when it is, else with the file's
code page, and only then split on ``;`` and unescaped, so a Shift_JIS
character whose second byte is a backslash stays whole.
"""

from __future__ import annotations

import binascii
import codecs
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from triage.ingest.formats.base import FormatError
from triage.model import Problem, RawRecord

# Properties whose value we keep; every other property is skipped cheaply.
_WANTED = frozenset(
    {
        "FN",
        "N",
        "ORG",
        "TITLE",
        "EMAIL",
        "TEL",
        "NOTE",
        "CATEGORIES",
        "ADR",
        "URL",
        "VERSION",
        "AGENT",
    }
)
_MAX_DEPTH = 8  # cards inside cards inside cards...: deeper ones are read flat
_NO_PREF = 1000  # rank of a value that carries no preference at all
UNTERMINATED = "card has no END:VCARD"
_EMPTY_CARD = "card has no name, email or phone"
NO_CARD = "no BEGIN:VCARD found"


@dataclass(slots=True)
class CardState:
    """Where :func:`read_cards` stopped: between cards, or inside the cards
    that began on the lines of ``open`` (outermost first); and whether it
    saw any card."""

    seen_card: bool = False
    open: list[int] = field(default_factory=list)

    @property
    def in_card(self) -> bool:
        return bool(self.open)

    def unterminated(self) -> list[Problem]:
        """A problem for each card still open when the input ended."""
        return [Problem(line, UNTERMINATED) for line in sorted(self.open)]


# (NAME, whole logical line, line number) of a wanted property
_Prop = tuple[str, str, int]


def parse(
    lines: Iterable[str],
    *,
    mapping: dict[str, str] | None = None,
    charset: str = "",
    utf8_first: bool = True,
) -> Iterator[RawRecord | Problem]:
    """Yield one RawRecord per card, or a Problem for a card that cannot be used.

    ``lines`` iterate like a text file opened with ``newline=""``: each item is
    one physical line and keeps its own line ending.  ``mapping`` is ignored.
    ``charset`` is the file's code page when the lines are raw bytes (see the
    module docstring), else ""; ``utf8_first=False`` when the user named it
    (``--encoding``), so a value is read in it even when it would also read
    as UTF-8.  Raises FormatError only when the input holds no
    ``BEGIN:VCARD`` at all.
    """
    del mapping  # vCard has fixed property names
    state = CardState()
    yield from read_cards(lines, state, charset=charset, utf8_first=utf8_first)
    yield from state.unterminated()
    if not state.seen_card:
        raise FormatError(NO_CARD)


def read_cards(
    lines: Iterable[str],
    state: CardState,
    first_line: int = 1,
    charset: str = "",
    utf8_first: bool = True,
) -> Iterator[RawRecord | Problem]:
    """The cards of ``lines`` (numbered from ``first_line``), which start
    between cards.  A card still open at the end is left in ``state``: the
    caller knows whether more lines follow."""
    seen_card = False
    in_card = False
    begin_line = 0
    props: list[_Prop] = []
    outer: list[tuple[int, list[_Prop], str]] = []  # the cards around this one
    version = ""
    cur_name = ""  # name of the wanted property being collected, "" when skipping
    cur_line = 0  # where it starts
    pieces: list[str] = []  # physical pieces of that property's logical line
    cur_qp = False  # the current property (wanted or not) is quoted-printable
    soft = False  # the previous line ended with a QP soft break ("=")
    soft_blank = False  # ... and a blank line followed it
    lineno = first_line - 1

    last = ""  # the previous physical line, as it came in
    for raw in lines:
        lineno += 1
        before, last = last, raw
        s = raw.rstrip("\r\n")

        if not in_card:
            if s and _is_marker(s, "BEGIN"):
                in_card = seen_card = True
                begin_line = lineno
                props = []
                version = cur_name = ""
                cur_qp = soft = soft_blank = False
            continue

        if soft:
            # A QP soft break joins the next line, which is not indented.
            if not s:
                if not soft_blank:
                    soft_blank = True
                    continue
            elif not (soft_blank and _looks_like_property(s)) and not (
                s[0] in "BbEe" and (_is_marker(s, "END") or _is_marker(s, "BEGIN"))
            ):
                soft = soft_blank = False
                if s[-1] == "=":
                    soft = True
                    s = s[:-1]
                if cur_name:
                    pieces.append(s)
                continue
            soft = soft_blank = False

        if not s:
            continue  # blank lines may sit anywhere, even inside a fold
        first = s[0]
        if first == " " or first == "\t":  # folded continuation
            if cur_qp and s[-1] == "=":
                soft = True
                s = s[:-1]
            if cur_name:
                pieces.append(s[1:])
            continue

        colon = s.find(":")
        head = s if colon < 0 else s[:colon]
        semi = head.find(";")
        if colon < 0 and semi < 0:
            # No name/value shape: unfolded base64 of a skipped PHOTO, stray
            # text, or the rest of a value that held a bare CR (Thunderbird).
            if cur_name and before.endswith("\r"):
                pieces.append("\n" + s)
            continue

        # A new property starts: finish the one being collected.
        if cur_name:
            logical = "".join(pieces)
            if cur_name == "VERSION":
                version = _value_of(logical).strip()
            elif (
                cur_name == "AGENT"
                and _value_of(logical).strip().upper() == "BEGIN:VCARD"
                and len(outer) < _MAX_DEPTH
            ):
                # 2.1 "AGENT:BEGIN:VCARD": the agent's lines follow
                outer.append((begin_line, props, version))
                begin_line, props, version = cur_line, [], ""
            else:
                props.append((cur_name, logical, cur_line))
            cur_name = ""

        name = head if semi < 0 else head[:semi]
        dot = name.rfind(".")
        if dot >= 0:
            name = name[dot + 1 :]  # strip the group ("item1.EMAIL")
        name = name.strip().upper()

        if (
            (name == "END" or name == "BEGIN")
            and colon >= 0
            and s[colon + 1 :].strip().upper() == "VCARD"
        ):
            if name == "END":
                if outer:  # an inner card ends: a person only when it names one
                    for item in _build(begin_line, props, version, charset, utf8_first):
                        if isinstance(item, RawRecord):
                            yield item
                    begin_line, props, version = outer.pop()
                else:
                    in_card = False
                    yield from _build(begin_line, props, version, charset, utf8_first)
            elif len(outer) < _MAX_DEPTH:  # a card inside this one
                outer.append((begin_line, props, version))
                begin_line, props, version = lineno, [], ""
            else:
                yield Problem(begin_line, UNTERMINATED)
                begin_line, props, version = lineno, [], ""
            cur_qp = False
            continue

        cur_qp = semi >= 0 and "QUOTED-PRINTABLE" in head.upper()
        if cur_qp and s[-1] == "=":
            soft = True
            s = s[:-1]
        if name in _WANTED:
            cur_name = name
            cur_line = lineno
            pieces = [s]

    state.seen_card = state.seen_card or seen_card
    state.open = [line for line, _, _ in outer] + [begin_line] if in_card else []


# --------------------------------------------------------------------------- lines


def _is_marker(s: str, word: str) -> bool:
    """True for "BEGIN:VCARD" / "END:VCARD" in any case and spacing."""
    name, colon, value = s.partition(":")
    return (
        bool(colon)
        and name.strip().lstrip("\ufeff").upper() == word
        and value.strip().upper() == "VCARD"
    )


def _looks_like_property(s: str) -> bool:
    """True when ``s`` starts like ``NAME;`` or ``NAME:`` (used after QP breaks)."""
    for i, ch in enumerate(s):
        if ch == ":" or ch == ";":
            return i > 0
        if not (ch.isascii() and (ch.isalnum() or ch in "-_.")):
            return False
    return False


def _find_unquoted(s: str, sep: str) -> int:
    """Index of the first ``sep`` outside double quotes, or the first one at all."""
    quoted = False
    for i, ch in enumerate(s):
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            return i
    return s.find(sep)


def _split_head(logical: str) -> tuple[list[str], str]:
    """Split a logical line into its parameter strings and its raw value."""
    colon = logical.find(":")
    if colon < 0:
        return [], ""
    head = logical[:colon]
    if '"' in head:  # a quoted parameter value may hold ':' or ';'
        colon = _find_unquoted(logical, ":")
        head = logical[:colon]
        params = _split_quoted(head, ";")[1:]
    else:
        params = head.split(";")[1:]
    return params, logical[colon + 1 :]


def _value_of(logical: str) -> str:
    return _split_head(logical)[1]


def _split_quoted(s: str, sep: str) -> list[str]:
    out: list[str] = []
    quoted = False
    start = 0
    for i, ch in enumerate(s):
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            out.append(s[start:i])
            start = i + 1
    out.append(s[start:])
    return out


def _read_params(params: list[str]) -> tuple[str, str, int]:
    """(encoding, charset, preference rank) of a property's parameters.

    The encoding is "qp" for quoted-printable, "b64" for base64, else "".
    """
    encoding = ""
    charset = ""
    pref = _NO_PREF
    for param in params:
        key, eq, val = param.partition("=")
        if not eq:  # bare 2.1 parameter: TEL;CELL;PREF
            bare = param.strip().upper()
            if bare == "QUOTED-PRINTABLE":
                encoding = "qp"
            elif bare == "BASE64":
                encoding = "b64"
            elif bare == "PREF":
                pref = min(pref, 1)
            continue
        key = key.strip().upper()
        if key == "TYPE":
            for kind in val.replace('"', "").split(","):
                if kind.strip().upper() == "PREF":
                    pref = min(pref, 1)
        elif key == "PREF":
            number = val.strip().strip('"')
            ok = number.isascii() and number.isdigit() and len(number) < 4
            pref = min(pref, int(number) if ok else 1)
        elif key == "ENCODING":
            kind = val.strip().strip('"').upper()
            if kind == "QUOTED-PRINTABLE":
                encoding = "qp"
            elif kind == "B" or kind == "BASE64":
                encoding = "b64"
        elif key == "CHARSET":
            charset = val.strip().strip('"')
    return encoding, charset, pref


# --------------------------------------------------------------------------- values


def _codec(charset: str) -> str | None:
    """Python's codec for a ``CHARSET=`` value, or None when it knows none."""
    try:
        return codecs.lookup(charset).name if charset else None
    except (LookupError, ValueError):
        return None


def _decode(value: str, encoding: str, charset: str) -> str:
    """A quoted-printable or base64 value to text: bytes first, then the charset.

    No charset: UTF-8, else Latin-1.  A charset Python does not know: UTF-8
    with replacement characters.
    """
    try:
        raw = value.encode("utf-8", "surrogatepass")
        if encoding == "qp":
            data = binascii.a2b_qp(raw)
        else:
            data = binascii.a2b_base64(raw.translate(None, b" \t\r\n"))
    except (ValueError, binascii.Error):
        return value
    if charset:
        codec = _codec(charset)
        if codec is None or codec == "utf-8":
            return data.decode("utf-8", "replace")
        try:
            return data.decode(codec)
        except Exception:  # odd codecs (idna, undefined, ...) fail in odd ways
            pass
    try:
        return data.decode("utf-8")
    except ValueError:
        return data.decode("latin-1")


def _decode_raw(
    value: str, encoding: str, charset: str, file_charset: str, utf8_first: bool = True
) -> str:
    """A value of a raw line (one character per byte) to text.

    The bytes (after quoted-printable or base64) are read with the declared
    charset, else as UTF-8, else in the file's code page (``utf8_first=False``:
    the code page before UTF-8); the first that reads them without error
    wins, and the file's code page with replacement characters is the last
    resort.
    """
    data = value.encode("latin-1", "replace")
    try:
        if encoding == "qp":
            data = binascii.a2b_qp(data)
        elif encoding == "b64":
            data = binascii.a2b_base64(data.translate(None, b" \t\r\n"))
    except (ValueError, binascii.Error):
        pass
    if data.isascii():
        return data.decode("ascii")
    declared = _codec(charset)
    order = ("utf-8", file_charset) if utf8_first else (file_charset, "utf-8")
    for codec in (declared, *order):
        if codec is None:
            continue
        try:
            return data.decode(codec)
        except Exception:  # a wrong charset, or an odd codec failing oddly
            continue
    return data.decode(file_charset, "replace")


def _unescape(value: str, v21: bool) -> str:
    """Undo vCard backslash escapes (3.0/4.0); 2.1 only knows \\; and \\,."""
    if "\\" not in value:
        return value
    if v21:
        return value.replace("\\;", ";").replace("\\,", ",")
    out: list[str] = []
    start = 0
    end = len(value) - 1
    while True:
        i = value.find("\\", start)
        if i < 0 or i == end:
            out.append(value[start:])
            return "".join(out)
        out.append(value[start:i])
        ch = value[i + 1]
        out.append("\n" if ch == "n" or ch == "N" else ch)
        start = i + 2


def _split_escaped(value: str, sep: str) -> list[str]:
    """Split on ``sep`` unless a backslash escapes it; escapes stay in place."""
    if "\\" not in value:
        return value.split(sep)
    out: list[str] = []
    start = 0
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if ch == "\\":
            i += 2
            continue
        if ch == sep:
            out.append(value[start:i])
            start = i + 1
        i += 1
    out.append(value[start:])
    return out


def _strip_prefix(value: str, prefix: str) -> str:
    if value[: len(prefix)].lower() == prefix:
        return value[len(prefix) :].strip()
    return value


def _add(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)


def _ranked(found: list[tuple[int, str]], fold_case: bool) -> list[str]:
    """Values with the preferred ones first (stable), without duplicates."""
    found.sort(key=lambda item: item[0])  # stable: file order within a rank
    out: list[str] = []
    seen: set[str] = set()
    for _, value in found:
        key = value.lower() if fold_case else value
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


# --------------------------------------------------------------------------- cards


def _build(
    line: int, props: list[_Prop], version: str, charset: str, utf8_first: bool = True
) -> list[RawRecord | Problem]:
    """The card's person (or why there is none), then the people its
    ``AGENT`` values hold."""
    agents: list[tuple[int, str]] = []
    try:
        items: list[RawRecord | Problem] = [
            _build_card(line, props, version, charset, agents, utf8_first)
        ]
    except Exception as exc:  # a safety net: one odd card must not stop the file
        items = [Problem(line, f"card could not be read ({type(exc).__name__})")]
    for agent_line, text in agents:
        items.extend(_agent_people(agent_line, text))
    return items


def _agent_people(line: int, text: str) -> list[RawRecord]:
    """The people of a 3.0 ``AGENT`` value holding a vCard, at ``line``."""
    if text[:11].upper() != "BEGIN:VCARD":
        return []  # a URI or a plain description: nobody to add
    out: list[RawRecord] = []
    try:
        for item in read_cards(io.StringIO(text, newline=""), CardState()):
            if isinstance(item, RawRecord):
                item.line = line
                out.append(item)
    except Exception:  # the agent is extra: it never costs the card itself
        return []
    return out


def _build_card(
    line: int,
    props: list[_Prop],
    version: str,
    charset: str,
    agents: list[tuple[int, str]],
    utf8_first: bool = True,
) -> RawRecord | Problem:
    v21 = version.startswith("2")
    rec = RawRecord(line=line)
    emails: list[tuple[int, str]] = []
    phones: list[tuple[int, str]] = []
    notes: list[str] = []
    have_n = False

    for name, logical, prop_line in props:
        params, value = _split_head(logical)
        pref = _NO_PREF
        if params:
            encoding, declared, pref = _read_params(params)
            if charset:
                value = _decode_raw(value, encoding, declared, charset, utf8_first)
            elif encoding:
                value = _decode(value, encoding, declared)
        elif charset:
            value = _decode_raw(value, "", "", charset, utf8_first)

        if name == "AGENT":
            agents.append((prop_line, _unescape(value, v21).strip()))
        elif name == "EMAIL":
            email = _strip_prefix(_unescape(value, v21).strip(), "mailto:")
            if email:
                emails.append((pref, email))
        elif name == "TEL":
            phone = _strip_prefix(_unescape(value, v21).strip(), "tel:")
            if phone:
                phones.append((pref, phone))
        elif name == "FN":
            if not rec.full_name:
                rec.full_name = _unescape(value, v21).strip()
        elif name == "N":
            if not have_n:
                parts = [_unescape(p, v21).strip() for p in _split_escaped(value, ";")[:3]]
                parts += [""] * (3 - len(parts))
                rec.family, rec.given, rec.middle = parts
                have_n = any(parts)
        elif name == "ORG":
            if not rec.org:
                rec.org = _unescape(_split_escaped(value, ";")[0], v21).strip()
        elif name == "TITLE":
            if not rec.title:
                rec.title = _unescape(value, v21).strip()
        elif name == "NOTE":
            note = _unescape(value, v21).replace("\r\n", "\n").replace("\r", "\n").strip()
            _add(notes, note)
        elif name == "CATEGORIES":
            # Split on every comma, escaped or not: writers such as Thunderbird's
            # MoreFunctionsForAddressBook escape the separators ("a\\, b").
            for label in _unescape(value, v21).split(","):
                _add(rec.labels, label.strip())
        elif name == "ADR":
            parts = _split_escaped(value, ";")
            if len(parts) > 3 and not rec.city:
                rec.city = _unescape(parts[3], v21).strip()
            if len(parts) > 6:
                _add(rec.countries, _unescape(parts[6], v21).strip())
        elif name == "URL":
            url = _unescape(value, v21).strip()
            if "linkedin.com/in/" in url.lower():
                rec.profile_url = rec.profile_url or url
            elif not rec.website:
                rec.website = url

    rec.emails = _ranked(emails, fold_case=True)
    rec.phones = _ranked(phones, fold_case=False)
    rec.notes = "\n".join(notes)
    if (
        not (rec.full_name or rec.given or rec.family or rec.middle or rec.emails or rec.phones)
        and not rec.org
    ):
        return Problem(line, _EMPTY_CARD)
    return rec
