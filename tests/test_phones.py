"""The readable form of a phone number is exactly phonenumbers' own
INTERNATIONAL format of the E.164 number."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.ingest import phones

CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(CODES), st.text("0123456789", min_size=3, max_size=13))
def test_international_is_what_phonenumbers_formats(code: int, digits: str) -> None:
    number = phones.e164(f"+{code}{digits}", None)
    if not number:
        return
    expected = phonenumbers.format_number(
        phonenumbers.parse(number, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    assert phones.international(number) == expected


def test_international_examples() -> None:
    assert phones.international("+4961234484") == "+49 6123 4484"
    assert phones.international("+12025550142") == "+1 202-555-0142"
    assert phones.international("+442079460958") == "+44 20 7946 0958"
    assert phones.international("ext. 12") == "ext. 12"  # not E.164: as it is
