"""E.164 for a typed phone number: exactly what phonenumbers says
(``parse`` + ``is_valid_number`` + ``format_number(E164)``), faster.

Phones are most of the import's validation time, ``parse`` two thirds of
it.  Two exact shortcuts, checked against phonenumbers by hypothesis tests
(tests/test_normalize.py):

* a plain number — digits with ``( ) . - /`` and spaces, maybe one leading
  ``+`` — goes through the steps ``parse`` takes for it, from its digits:
  such text cannot hold an extension, letters or an RFC 3966 part, so
  ``parse`` only strips the punctuation, reads the country code (after
  ``+``) and strips the national prefix.  The last step, and anything that
  could raise (an international dialling prefix such as US ``011``, a
  national number starting with its own country code, too few digits), is
  left to phonenumbers' own functions;
* validity is ``_number_type_helper(...) != UNKNOWN`` of the region that
  ``is_valid_number`` picks, with each region's type patterns (fixed line,
  mobile, toll free ...) for one length joined into one regular expression:
  one match instead of up to ten.

phonenumbers is imported on first use (31 ms), as before.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_PLAIN = re.compile(r"[ (]*(\+?)([0-9][0-9 ().\-/]*)")
_PUNCTUATION = str.maketrans("", "", " ().-/")
_MAX_INPUT = 250  # phonenumbers' _MAX_INPUT_STRING_LENGTH
_MIN_NSN = 2
_MAX_NSN = 17
_NON_GEO = "001"


@functools.cache
def _lib() -> Any:
    """phonenumbers and the internals the plain-number path calls; None for
    the internals when a phonenumbers version lacks them (then every number
    goes through ``parse``)."""
    import phonenumbers
    from phonenumbers import phonenumberutil as util

    strip = getattr(util, "_maybe_strip_national_prefix_carrier_code", None)
    length = getattr(util, "_test_number_length", None)
    rejected = (
        phonenumbers.ValidationResult.TOO_SHORT,
        phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
        phonenumbers.ValidationResult.INVALID_LENGTH,
    )
    return phonenumbers, strip, length, rejected


def e164(text: str, region: str | None) -> str:
    """E.164 when ``text`` is a valid number read in ``region``, else ""."""
    phonenumbers = _lib()[0]
    parsed = _plain(text, region)
    if parsed is None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return ""
        code = number.country_code or 0
        nsn = phonenumbers.national_significant_number(number)
    else:
        code, nsn = parsed
    # format_number(E164) is "+" + code + the national significant number.
    return f"+{code}{nsn}" if _valid(code, nsn) else ""


def international(number: str) -> str:
    """The INTERNATIONAL form of a valid E.164 number (``+49 6123 44848``):
    exactly ``format_number(parse(number), INTERNATIONAL)``, from each
    country's formatting rules compiled once and a cache of the answers
    (formatting through phonenumbers costs ~15 µs a number, ~1 µs here).
    Returns ``number`` itself when it is no E.164 number of a known country."""
    found = _formatted.get(number)
    if found is None:
        found = _international(number)
        if len(_formatted) >= _FORMATTED_CACHE:
            _formatted.clear()
        _formatted[number] = found
    return found


_FORMATTED_CACHE = 1 << 15
_formatted: dict[str, str] = {}


def _international(number: str) -> str:
    if number[:1] != "+" or not number[1:].isdigit():
        return number
    phonenumbers = _lib()[0]
    digits = number[1:]
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            nsn = digits[size:]
            break
    else:
        return number
    for leading, pattern, rule in _formats(code):
        if leading is not None and leading.match(nsn) is None:
            continue
        match = pattern.fullmatch(nsn)
        if match is not None:
            groups = match.groups()
            return f"+{code} " + "".join(
                [part if isinstance(part, str) else groups[part] for part in rule]
            )
    return f"+{code} {nsn}"


_Format = tuple[re.Pattern[str] | None, re.Pattern[str], list[str | int]]
_GROUP_REF = re.compile(r"\\(\d)")


def _template(rule: str) -> list[str | int]:
    """``"\\1-\\2"`` as ``[0, "-", 1]``: the text and the group indexes a
    replacement is made of (``Match.expand`` parses its template per call)."""
    parts: list[str | int] = []
    for i, piece in enumerate(_GROUP_REF.split(rule)):
        if i % 2:
            parts.append(int(piece) - 1)
        elif piece:
            parts.append(piece)
    return parts


@functools.cache
def _formats(code: int) -> list[_Format]:
    """A country's international formats, compiled: (the last leading-digits
    pattern, the number pattern, the replacement), in the order
    ``_choose_formatting_pattern_for_number`` tries them."""
    meta = _code_metadata(code)
    if meta is None:
        return []
    formats = meta.intl_number_format or meta.number_format
    out: list[_Format] = []
    for fmt in formats:
        leading = re.compile(fmt.leading_digits_pattern[-1]) if fmt.leading_digits_pattern else None
        out.append((leading, re.compile(fmt.pattern), _template(fmt.format)))
    return out


def warm() -> None:
    """Import phonenumbers and read the commonest regions' data (before a
    fork, so that worker processes share it)."""
    for region in ("US", "GB", "DE", "FR", "IN"):
        e164("+1 202 555 0142", region)
        _region(region)


# --- parse, for plain numbers -------------------------------------------------


def _plain(text: str, region: str | None) -> tuple[int, str] | None:
    """(country code, national significant number) as ``parse`` gives them,
    or None to ask ``parse`` (not a plain number, or a case it may reject)."""
    match = _PLAIN.fullmatch(text)
    if match is None or len(text) > _MAX_INPUT:
        return None
    phonenumbers, strip, length, rejected = _lib()
    if strip is None or length is None:
        return None
    digits = match.group(2).translate(_PUNCTUATION)
    if len(digits) < 3:  # parse's viability and after-IDD rules: let it decide
        return None
    if match.group(1):  # +: the country code leads (the region plays no part)
        if digits[0] == "0":
            return None
        for size in (1, 2, 3):
            code = int(digits[:size])
            if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                nsn = digits[size:]
                break
        else:
            return None
        meta = _code_metadata(code)
    else:
        if region is None:
            return None
        found = _region(region)
        if found is None:
            return None
        meta, idd = found
        code = meta.country_code
        # An international prefix, or the region's own code in front, is
        # read in ways left to parse.
        if (idd is not None and idd.match(digits)) or digits.startswith(str(code)):
            return None
        nsn = digits
    if meta is None or len(nsn) < _MIN_NSN:
        return None
    # Where no national prefix starts the number (most numbers), parse's
    # strip leaves it as it is: one match of the prefix it would look for
    # instead of its two calls.
    prefix = meta.national_prefix_for_parsing
    if prefix and _compiled(prefix).match(nsn):
        _, potential, _ = strip(nsn, meta)
        if length(potential, meta) not in rejected:
            nsn = potential
    if not _MIN_NSN <= len(nsn) <= _MAX_NSN:
        return None
    return code, nsn


@functools.cache
def _region(region: str) -> tuple[Any, re.Pattern[str] | None] | None:
    """A region's metadata and its international dialling prefix."""
    phonenumbers = _lib()[0]
    if region not in phonenumbers.SUPPORTED_REGIONS:  # parse's check: case matters
        return None
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if meta is None:
        return None
    idd = re.compile(meta.international_prefix) if meta.international_prefix else None
    return meta, idd


@functools.cache
def _code_metadata(code: int) -> Any:
    phonenumbers = _lib()[0]
    main = phonenumbers.region_code_for_country_code(code)
    return phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, main)


# --- is_valid_number ------------------------------------------------------------


def _valid(code: int, nsn: str) -> bool:
    """``is_valid_number`` of the number (code, nsn)."""
    phonenumbers = _lib()[0]
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
    if regions is None:
        return False
    if len(regions) == 1:
        region = regions[0]
    else:  # region_code_for_number: the first region that claims it
        region = None
        for candidate, meta, leading in _candidates(code):
            if leading is not None:
                if leading.match(nsn):
                    region = candidate
                    break
            elif _known_type(meta, nsn):
                region = candidate
                break
        if region is None:
            return False
    meta = _valid_metadata(code, region)
    return meta is not None and _known_type(meta, nsn)


@functools.cache
def _candidates(code: int) -> list[tuple[str, Any, re.Pattern[str] | None]]:
    """The regions sharing country code ``code`` with metadata, in the order
    ``region_code_for_number`` tries them: (region, metadata, its leading
    digits pattern or None)."""
    phonenumbers = _lib()[0]
    out: list[tuple[str, Any, re.Pattern[str] | None]] = []
    for candidate in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(candidate.upper(), None)
        if meta is not None:
            leading = _compiled(meta.leading_digits) if meta.leading_digits is not None else None
            out.append((candidate, meta, leading))
    return out


@functools.cache
def _valid_metadata(code: int, region: str) -> Any:
    """The metadata ``is_valid_number_for_region`` checks against, or None
    when it says no whatever the number."""
    phonenumbers = _lib()[0]
    meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region.upper())
    if meta is None:
        return None
    if region != _NON_GEO and code != phonenumbers.country_code_for_valid_region(region):
        return None
    return meta


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """A metadata pattern compiled once (phonenumbers compiles per call)."""
    return re.compile(pattern)


def _known_type(meta: Any, nsn: str) -> bool:
    """``_number_type_helper(nsn, meta) != UNKNOWN``."""
    general, by_length = _type_patterns(meta)
    size = len(nsn)
    if not _matches(general, nsn, size):
        return False
    if size in by_length:
        pattern = by_length[size]
    else:
        pattern = by_length[size] = _any_type(meta, size)
    return pattern is not None and pattern.fullmatch(nsn) is not None


_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)
_Desc = tuple[frozenset[int], re.Pattern[str] | None] | None
_type_cache: dict[tuple[Any, int], tuple[_Desc, dict[int, re.Pattern[str] | None]]] = {}


def _type_patterns(meta: Any) -> tuple[_Desc, dict[int, re.Pattern[str] | None]]:
    key = (meta.id, meta.country_code)
    found = _type_cache.get(key)
    if found is None:
        found = _type_cache[key] = (_desc(meta.general_desc), {})
    return found


def _desc(desc: Any) -> _Desc:
    """A PhoneNumberDesc as (possible lengths, pattern); None when absent."""
    if desc is None:
        return None
    pattern = desc.national_number_pattern
    return frozenset(desc.possible_length), re.compile(pattern) if pattern else None


def _matches(desc: _Desc, nsn: str, size: int) -> bool:
    """``_is_number_matching_desc``."""
    if desc is None:
        return False
    lengths, pattern = desc
    if lengths and size not in lengths:
        return False
    return pattern is not None and pattern.fullmatch(nsn) is not None


def _any_type(meta: Any, size: int) -> re.Pattern[str] | None:
    """One pattern for "some type matches" at this length (the types that
    ``_number_type_helper`` tries, mobile only when it has its own pattern),
    or None when none can."""
    names = list(_TYPES)
    if not meta.same_mobile_and_fixed_line_pattern:
        names.append("mobile")
    patterns = []
    for name in names:
        desc = getattr(meta, name)
        if desc is None or not desc.national_number_pattern:
            continue
        if desc.possible_length and size not in desc.possible_length:
            continue
        patterns.append(f"(?:{desc.national_number_pattern})")
    return re.compile("|".join(patterns)) if patterns else None
