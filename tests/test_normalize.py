"""Unit and property tests for triage.normalize."""

from __future__ import annotations

import pickle
import socket
import string
import subprocess
import sys

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import triage.ingest.normalize as normalize
from triage.ingest.names import guess_name, name_key, names_compatible, role_address
from triage.ingest.normalize import Normalizer, Person, email_key
from triage.ingest.regions import default_region_from_locale, valid_region
from triage.model import FLAG_BITS, Email, Phone, RawRecord


def flags_of(person: Person) -> set[str]:
    """The flags a record's own fields give, less ``no_profile`` (set on
    everyone without a LinkedIn profile URL: see the test just below)."""
    return {name for name, bit in FLAG_BITS.items() if person.flags & bit} - {"no_profile"}


def test_no_profile_is_set_exactly_when_no_profile_url_is_known() -> None:
    bit = FLAG_BITS["no_profile"]
    assert norm(full_name="Jane Doe", emails=["jane@example.com"]).flags & bit
    known = norm(full_name="Jane Doe", profile_url="https://www.linkedin.com/in/jane-doe")
    assert not known.flags & bit


def norm(region: str = "US", **fields: object) -> Person:
    return Normalizer(region)(RawRecord(line=7, **fields))  # type: ignore[arg-type]


# --- emails ------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "  jane.doe@example.com  ",
        "<jane.doe@example.com>",
        "mailto:jane.doe@example.com",
        "MAILTO:jane.doe@example.com?subject=Hi",
        "Jane Doe <jane.doe@example.com>",
        '"Doe, Jane" <mailto:jane.doe@example.com>',
        "jane.doe@EXAMPLE.com;",
    ],
)
def test_email_wrappers_are_stripped(raw: str) -> None:
    person = norm(full_name="Jane Doe", emails=[raw])
    assert person.emails == [Email("jane.doe@example.com")]
    assert flags_of(person) == set()


def test_email_domain_lowercased_local_part_kept() -> None:
    person = norm(emails=["Jane.Doe@Example.CO.UK"])
    assert person.emails == [Email("Jane.Doe@example.co.uk")]


def test_international_email_goes_through_email_validator() -> None:
    person = norm(emails=["jürgen.müller@bäckerei-müller.de"])
    assert person.emails == [Email("jürgen.müller@bäckerei-müller.de")]
    person = norm(emails=["anna@xn--bckerei-mller-bfb28a.de"])  # Punycode comes back as Unicode
    assert person.emails[0].valid
    assert person.emails[0].address == "anna@bäckerei-müller.de"


def test_invalid_email_kept_and_flagged() -> None:
    person = norm(full_name="Jane Doe", emails=[" jane.doe@@example.com "])
    assert person.emails == [Email("jane.doe@@example.com", valid=False)]
    assert flags_of(person) == {"invalid_email", "no_email"}


@pytest.mark.parametrize(
    "address",
    ["jane@localhost", "jane@printer.local", "jane@site.test", "jane@x.invalid", "jane@example"],
)
def test_special_use_and_dotless_domains_are_invalid(address: str) -> None:
    assert norm(emails=[address]).emails == [Email(address, valid=False)]


def test_valid_emails_first_then_invalid_in_file_order() -> None:
    person = norm(
        full_name="B", emails=["broken@", "b@example.org", "also broken", "a@example.org"]
    )
    assert [e.address for e in person.emails] == [
        "b@example.org",
        "a@example.org",
        "broken@",
        "also broken",
    ]
    assert flags_of(person) == {"invalid_email"}


def test_emails_deduplicated_case_insensitively() -> None:
    person = norm(
        emails=["Jane@Example.com", "jane@example.com", "<JANE@EXAMPLE.COM>", "x@", "X@"],
    )
    assert person.emails == [Email("Jane@example.com"), Email("x@", valid=False)]


@pytest.mark.parametrize(
    "address",
    [
        "info@acme.com",
        "Sales@acme.com",
        "support+tickets@acme.com",
        "no-reply@acme.com",
        "no_reply@acme.com",
        "donotreply@acme.com",
        "customer.service@acme.com",
        "Mailer-Daemon@acme.com",
        "kontakt@firma.de",
        "hr@acme.in",
    ],
)
def test_role_addresses(address: str) -> None:
    assert role_address(address)
    person = norm(full_name="ACME", emails=[address])
    assert person.emails[0].role
    assert "role_address" in flags_of(person)


@pytest.mark.parametrize(
    "address",
    ["jane.doe@acme.com", "information.jane@acme.com", "teamlead@acme.com", "hr.smith@x.com"],
)
def test_personal_addresses_are_not_role(address: str) -> None:
    assert not role_address(address)


def test_urn_li_is_dropped_silently() -> None:
    person = norm(full_name="Jane Doe", emails=["urn:li:member:12345", " URN:LI:person:abc "])
    assert person.emails == []
    assert flags_of(person) == {"no_email"}


def test_no_email_at_all() -> None:
    assert flags_of(norm(full_name="Jane Doe", emails=["", "  "])) == {"no_email"}


def test_email_key_casefolds() -> None:
    assert email_key(" Jane.Doe@Straße.de ") == "jane.doe@strasse.de"


def test_validation_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    person = norm(emails=["jane@gmail.com", "jörg@exämple.de", "bad@", "x@nonexistent-domain.zz"])
    assert [e.valid for e in person.emails] == [True, True, True, False]


# --- the email fast path -----------------------------------------------------


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run by a fresh interpreter (what it imports is its own)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def reference(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
TRICKY = [
    "jane.doe@example.com",
    "Jane.Doe+news@Sub.Example.CO.UK",
    "o'brien@example.ie",
    "a!#$%&'*+/=?^_`{|}~-z@example.org",
    "x@a.bc",
    "a" * 64 + "@example.com",
    "a" * 65 + "@example.com",
    "a@" + "b" * 63 + ".com",
    "a@" + "b" * 64 + ".com",
    "a@" + ".".join(["b" * 60] * 4) + ".com",
    "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".abcdefghijklmnop",
    ".jane@example.com",
    "jane.@example.com",
    "ja..ne@example.com",
    "jane@-example.com",
    "jane@example-.com",
    "jane@exa--mple.com",
    "jane@xn--bcher-kva.com",
    "jane@xn--abc.com",
    "jane@ab--cd.com",
    "jane@example.c",
    "jane@example.123",
    "jane@example.c0m",
    "jane@127.0.0.1",
    "jane@[127.0.0.1]",
    "jane@example",
    "jane@printer.local",
    "jane@localhost",
    "jane@x.localhost",
    "jane@x.test",
    "jane@x.invalid",
    "jane@x.onion",
    "jane@1.0.0.127.in-addr.arpa",
    "jane@example.example",
    "jane@example.com.",
    "jane@.example.com",
    "Postmaster@example.com",
    "INFO@example.com",
    "Support@example.com",
    "info+x@example.com",
    "jane@EXAMPLE.COM",
    '"jane"@example.com',
    "jane doe@example.com",
    "jane@exam_ple.com",
    "jane@example.com\n",
    "jane@ex ample.com",
    "@example.com",
    "jane@",
]


@pytest.mark.parametrize("address", TRICKY)
def test_fast_path_agrees_with_email_validator_on_tricky_addresses(address: str) -> None:
    fast = normalize._fast_email(address)
    if fast is not None:
        assert reference(address) == fast


def test_fast_path_takes_ordinary_addresses() -> None:
    for address in ["jane.doe@example.com", "Jane.Doe+news@Sub.Example.CO.UK", "o'brien@x.ie"]:
        assert normalize._fast_email(address) is not None


labels = st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=0, max_size=12)
tlds = st.sampled_from(
    [
        *["com", "de", "CO.UK", "local", "test", "invalid", "localhost", "onion", "arpa"],
        *["example", "xn--p1ai", "123", "c0m", "x", "museum", "in-addr.arpa", "Test", "LOCAL"],
    ]
) | st.text(alphabet=string.ascii_letters + string.digits + "-", min_size=0, max_size=6)
locals_ = st.sampled_from(
    ["info", "Postmaster", "SUPPORT", "abuse", "www", "jane", "jane.doe", "a" * 64, "a" * 70]
) | st.lists(st.text(alphabet=ATEXT, max_size=10), min_size=1, max_size=4).map(".".join)
structured = st.builds(
    lambda local, domain, tld: f"{local}@{'.'.join(domain)}.{tld}",
    locals_,
    st.lists(labels, min_size=0, max_size=4),
    tlds,
)
printable = st.text(alphabet=string.printable, max_size=60)
# Mostly well-formed addresses, so that thousands of them reach the fast path.
label = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
wellformed = st.builds(
    lambda atoms, domain, tld: f"{'.'.join(atoms)}@{'.'.join(domain)}.{tld}",
    st.lists(st.text(alphabet=ATEXT, min_size=1, max_size=12), min_size=1, max_size=3),
    st.lists(label, min_size=1, max_size=3),
    st.from_regex(r"[A-Za-z]{2,8}", fullmatch=True) | tlds,
)


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wellformed | structured | printable)
@example("a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57)
def test_fast_path_never_disagrees_with_email_validator(address: str) -> None:
    fast = normalize._fast_email(address)
    if fast is not None:
        assert reference(address) == fast


@pytest.mark.parametrize("address", TRICKY)
def test_fast_rejection_agrees_with_email_validator_on_tricky_addresses(address: str) -> None:
    if normalize._surely_invalid(address):
        assert reference(address) is None


def test_fast_rejection_takes_what_is_no_address() -> None:
    for text in ["jane@example", "jane doe@example.com", "jane@example.com.", "jane@@x.com"]:
        assert normalize._surely_invalid(text), text
    for text in ["jane.doe@example.com", '"jane doe"@example.com', "jürgen@example", "a@b.c"]:
        assert not normalize._surely_invalid(text), text


def _damaged(address: str, at: int, what: str) -> str:
    at %= len(address) + 1
    return address[:at] + what + address[at:]


near_addresses = st.builds(
    _damaged,
    wellformed | structured,
    st.integers(0, 200),
    st.sampled_from([" ", ",", ".", "..", "@", "-", "_", ";", ":", "", "é", '"', "(", "["]),
)


@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_addresses | wellformed | structured | printable)
@example("jane@example.com.")
@example("jane@exa_mple.com")
def test_fast_rejection_never_refuses_what_email_validator_accepts(address: str) -> None:
    if normalize._surely_invalid(address):
        assert reference(address) is None


def test_email_rules_are_email_validators_own_lists() -> None:
    import email_validator
    from email_validator import rfc_constants

    expected = (
        frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES),
        frozenset(rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES),
    )
    code = (
        "import sys, triage.ingest.normalize as n; "
        "special, names = n._email_rules(); "
        "print(sorted(special)); print(sorted(names)); "
        "print('email_validator' in sys.modules)"
    )
    out = _python(code)
    special, names, imported = out.stdout.splitlines()
    assert special == str(sorted(expected[0])) and names == str(sorted(expected[1]))
    assert imported == "False"  # read from the source, without the import's cost
    # Already imported: the library's own objects.
    normalize._email_rules.cache_clear()
    try:
        assert normalize._email_rules() == expected
    finally:
        normalize._email_rules.cache_clear()
    # A source that cannot be read, or a name that holds no list of strings:
    # None, so the library is imported instead.
    code = (
        "import triage.ingest.normalize as n; "
        "print(n._library_lists('email_validator', [('nothing.py', 'X')])); "
        "print(n._library_lists('email_validator', [('rfc_constants.py', 'EMAIL_MAX_LENGTH')])); "
        "print(n._library_lists('no_such_package_here', [('__init__.py', 'X')]))"
    )
    out = _python(code)
    assert out.stdout.split() == ["None", "None", "None"]


def test_ordinary_and_broken_ascii_addresses_leave_email_validator_unimported() -> None:
    code = (
        "import sys\n"
        "from triage.ingest.normalize import Normalizer\n"
        "from triage.model import RawRecord\n"
        "n = Normalizer('US')\n"
        "emails = ['jane@example.com', 'jane@example', 'jane doe@x.com', 'a@b.com.', 'x@@y.org']\n"
        "p = n(RawRecord(line=1, emails=emails))\n"
        "print([(e.address, e.valid) for e in p.emails])\n"
        "print('email_validator' in sys.modules)\n"
        "n(RawRecord(line=2, emails=['jürgen@bäckerei.de']))\n"
        "print('email_validator' in sys.modules)\n"
    )
    out = _python(code)
    emails, before, after = out.stdout.splitlines()
    assert emails == str(
        [
            ("jane@example.com", True),
            ("jane@example", False),
            ("jane doe@x.com", False),
            ("a@b.com.", False),
            ("x@@y.org", False),
        ]
    )
    assert (before, after) == ("False", "True")


# --- phones ------------------------------------------------------------------


def test_us_national_number_with_default_region() -> None:
    person = norm(phones=["(415) 555-2671"])
    assert person.phones == [Phone("+14155552671")]
    assert "phone_unparsed" not in flags_of(person)


def test_gb_national_number_needs_a_country_hint() -> None:
    assert norm(phones=["020 7946 0958"]).phones == [Phone("020 7946 0958", valid=False)]
    for country in ["United Kingdom", "UK", "gb", "Royaume-Uni", "Großbritannien", "England"]:
        person = norm(phones=["020 7946 0958"], countries=[country])
        assert person.phones == [Phone("+442079460958")], country


def test_de_number_takes_the_region_of_a_de_email() -> None:
    person = norm(emails=["max.mustermann@firma.de"], phones=["030 1234567"])
    assert person.phones == [Phone("+49301234567")]
    assert flags_of(person) == {"name_guessed"}


def test_country_field_beats_email_domain() -> None:
    person = norm(emails=["max@firma.de"], phones=["030 1234567"], countries=["Frankreich"])
    assert person.phones == [Phone("+33301234567")]


def test_fr_in_au_numbers() -> None:
    assert norm(phones=["01 42 68 53 00"], countries=["France"]).phones == [Phone("+33142685300")]
    assert norm(emails=["ravi@tcs.co.in"], phones=["98765 43210"]).phones == [
        Phone("+919876543210")
    ]
    assert norm(emails=["bruce@acme.com.au"], phones=["(02) 9374 4000"]).phones == [
        Phone("+61293744000")
    ]
    assert norm("AU", phones=["0412 345 678"]).phones == [Phone("+61412345678")]


def test_deck_default_region_is_the_last_resort() -> None:
    assert norm("DE", phones=["030 1234567"]).phones == [Phone("+49301234567")]
    person = norm("DE", phones=["(415) 555-2671"], countries=["USA"])
    assert person.phones == [Phone("+14155552671")]


def test_generic_tlds_give_no_hint() -> None:
    for address in ["max@startup.io", "max@gmail.com", "max@brand.co", "max@web.tv"]:
        person = norm(emails=[address], phones=["030 1234567"])
        assert person.phones == [Phone("030 1234567", valid=False)], address


def test_international_prefixes_parse_without_region_and_deduplicate() -> None:
    person = norm(
        phones=["+44 20 7946 0958", "0044 20 7946 0958", "tel:+442079460958", "(+44) 20 7946 0958"]
    )
    assert person.phones == [Phone("+442079460958")]
    assert norm("DE", phones=["+1 415 555 2671"]).phones == [Phone("+14155552671")]


def test_trunk_zero_vanity_and_us_idd() -> None:
    person = norm(phones=["+49 (0)30 1234567", "+1-800-FLOWERS", "011 44 20 7946 0958"])
    assert person.phones == [Phone("+49301234567"), Phone("+18003569377"), Phone("+442079460958")]


def test_extensions_are_dropped() -> None:
    person = norm(phones=["+1 415-555-2671 x123", "(415) 555-2671 ext. 12"])
    assert person.phones == [Phone("+14155552671")]


def test_unparsed_phone_kept_as_typed_and_flagged() -> None:
    person = norm(full_name="Jane Doe", phones=["  12 34  ", "+99 123", "12-34"])
    assert person.phones == [Phone("12 34", valid=False), Phone("+99 123", valid=False)]
    assert flags_of(person) == {"phone_unparsed", "no_email"}


def test_phones_without_digits_are_ignored() -> None:
    person = norm(full_name="Jane Doe", phones=["n/a", "-", "", "tel:"])
    assert person.phones == []
    assert "phone_unparsed" not in flags_of(person)


def test_a_number_valid_in_a_later_region_is_found() -> None:
    # The email says DE, the number is British: DE fails, GB (the country) is tried first anyway.
    person = norm(emails=["jo@firma.de"], countries=["UK"], phones=["07911 123456"])
    assert person.phones == [Phone("+447911123456")]
    person = norm("GB", emails=["jo@firma.de"], phones=["07911 123456", "030 1234567"])
    assert person.phones == [Phone("+497911123456"), Phone("+49301234567")]


def reference_e164(text: str, region: str | None) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


REGIONS = ["US", "CA", "JM", "AG", "GB", "JE", "GG", "IM", "AU", "CC", "IT", "VA", "RU", "KZ"]
REGIONS += ["RE", "YT", "GP", "DE", "NO", "FI", "MA"]


@st.composite
def near_valid_numbers(draw: st.DrawFn) -> tuple[str, str | None]:
    """An example number of some region with a random tail, read with the
    region hint of (maybe) another region, or written with its +code."""
    origin = draw(st.sampled_from(REGIONS))
    kind = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE]
        )
    )
    sample = phonenumbers.example_number_for_type(origin, kind)
    assert sample is not None
    nsn = phonenumbers.national_significant_number(sample)
    keep = draw(st.integers(1, len(nsn)))
    digits = nsn[:keep] + draw(
        st.text("0123456789", min_size=len(nsn) - keep, max_size=len(nsn) - keep + 1)
    )
    if draw(st.booleans()):
        return f"+{sample.country_code}{digits}", None
    main = phonenumbers.region_code_for_country_code(sample.country_code or 0)
    return digits, draw(st.sampled_from([origin, main]) | st.just(main) | st.sampled_from(REGIONS))


@settings(max_examples=2000, deadline=None)
@given(
    near_valid_numbers()
    | st.tuples(st.text("0123456789", min_size=4, max_size=13), st.sampled_from(REGIONS))
)
@example(("2642351234", "US"))  # Anguilla, a +1 region listed after US
@example(("6135550123", "US"))  # Canada read with a US hint
@example(("1534 789123", "GB"))  # Jersey
@example(("+80012345678", None))  # non-geographic
@example(("+7 727 258 2222", None))  # Kazakhstan, shares +7 with Russia
def test_region_shortcut_equals_is_valid_number(case: tuple[str, str | None]) -> None:
    text, hint = case
    assert normalize._e164(text, hint) == reference_e164(text, hint)


# --- names -------------------------------------------------------------------


def test_full_name_wins_and_whitespace_collapses() -> None:
    person = norm(full_name="  Jane \t  Doe ", given="Janet", family="Smith")
    assert (person.name, person.given, person.family) == ("Jane Doe", "Janet", "Smith")


def test_name_from_parts() -> None:
    person = norm(given=" Jane ", middle="A.", family="Doe")
    assert (person.name, person.given, person.family) == ("Jane A. Doe", "Jane", "Doe")


@pytest.mark.parametrize(
    ("full", "given", "family"),
    [
        ("Jane Doe", "Jane", "Doe"),
        ("Jane Anne Doe", "Jane", "Doe"),
        ("Doe, Jane", "Jane", "Doe"),
        ("Dr. Jane Doe, PhD", "Jane", "Doe"),
        ("Jane Doe Jr.", "Jane", "Doe"),
        ("Madonna", "", ""),
    ],
)
def test_given_and_family_derived_from_the_name(full: str, given: str, family: str) -> None:
    person = norm(full_name=full)
    assert (person.given, person.family) == (given, family)
    assert "name_guessed" not in flags_of(person)


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("jane.doe@x.com", "Jane Doe"),
        ("jane_doe@x.com", "Jane Doe"),
        ("JANE-DOE@x.com", "Jane Doe"),
        ("jdoe42@x.com", "Jdoe"),
        ("jane.doe+news@x.com", "Jane Doe"),
        ("jürgen.müller@x.de", "Jürgen Müller"),
        ("o'brien@x.ie", "O'brien"),
        ("12345@x.com", ""),
        ("a8f3b2c1@x.com", ""),
        ("x@x.com", ""),
        ("info@x.com", ""),
        ("no-reply@x.com", ""),
        ("not an address", ""),
    ],
)
def test_guess_name(address: str, name: str) -> None:
    assert guess_name(address) == name


def test_name_guessed_from_first_valid_email() -> None:
    person = norm(emails=["broken@@", "jane.doe@example.com"])
    assert person.name == "Jane Doe"
    assert (person.given, person.family) == ("Jane", "Doe")
    assert "name_guessed" in flags_of(person)


def test_a_person_without_a_name_keeps_none() -> None:
    """No placeholder is stored: the organisation or a phone is not a
    person's name, and nothing was guessed when nothing could be."""
    person = norm(org="ACME Corp", emails=["12345@acme.com"])
    assert (person.name, person.given, person.family, person.org) == ("", "", "", "ACME Corp")
    assert "name_guessed" not in flags_of(person)
    person = norm(emails=["info@acme.com"], phones=["(415) 555-2671"])
    assert person.name == ""
    assert "name_guessed" not in flags_of(person)
    person = norm()
    assert person.name == ""
    assert flags_of(person) == {"no_email"}
    person = norm(emails=["jane.doe@acme.com"], org="ACME Corp")
    assert (person.name, person.given, person.family) == ("Jane Doe", "Jane", "Doe")
    assert "name_guessed" in flags_of(person)


def test_a_phone_that_did_not_parse_is_read_again_in_another_region() -> None:
    person = norm(phones=["030 1234567"])
    assert [(p.number, p.valid) for p in person.phones] == [("030 1234567", False)]
    again = Normalizer("DE").reread_phone(person.phones[0].number, person.emails)
    assert again is not None and (again.number, again.valid) == ("+49301234567", True)
    assert again.original == "030 1234567"
    assert Normalizer("US").reread_phone("030 1234567", []) is None
    # an address's country domain is read first, as at import
    assert Normalizer("US").reread_phone("030 1234567", norm(emails=["a@b.de"]).emails)


def test_name_key() -> None:
    assert name_key("José  Müller") == name_key("muller, JOSE") == "jose muller"
    assert name_key("Søren Kierkegaard") == name_key("soren kierkegaard")
    assert name_key("Jean-Luc O’Brien") == "jean luc obrien"
    assert name_key("") == ""


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Jane Doe", "Jane Doe", True),
        ("Jane Doe", "jane doe", True),
        ("Jane Doe", "Doe, Jane", True),
        ("Jane Doe", "Jane A. Doe", True),
        ("J. Doe", "Jane Doe", True),
        ("Jane Doe", "J Doe", True),
        ("J. Doe", "Jane A. Doe", True),
        ("Jane Smith", "Jane S.", True),
        ("José Müller", "Jose Muller", True),
        ("", "Jane Doe", True),
        ("Jane Doe", "", True),
        ("Jane Doe", "John Smith", False),
        ("Jane Doe", "John Doe", False),
        ("J. Doe", "K. Doe", False),
        ("J. Smith", "Jane Doe", False),
        ("ACME Reception", "Jane Doe", False),
    ],
)
def test_names_compatible(a: str, b: str, expected: bool) -> None:
    assert names_compatible(a, b) is expected
    assert names_compatible(b, a) is expected


# --- other fields ------------------------------------------------------------


def test_connected_and_invited_flags_and_copied_fields() -> None:
    person = Normalizer("US")(
        RawRecord(
            line=12,
            kind="invitation",
            full_name="Jane Doe",
            org=" ACME ",
            title="CTO",
            emails=["jane@acme.com"],
            notes=" met at PyCon ",
            labels=["Friends", " ", "Friends", "Work"],
            connected_on=" 2021-03-04 ",
            invited_on="2024-01-02",
            profile_url="https://www.linkedin.com/in/janedoe",
        )
    )
    assert person == Person(
        line=12,
        kind="invitation",
        name="Jane Doe",
        given="Jane",
        family="Doe",
        org="ACME",
        title="CTO",
        emails=[Email("jane@acme.com")],
        phones=[],
        notes="met at PyCon",
        labels=["Friends", "Work"],
        connected_on="2021-03-04",
        invited_on="2024-01-02",
        profile_url="https://www.linkedin.com/in/janedoe",
        flags=FLAG_BITS["connected"] | FLAG_BITS["invited"],
    )


def test_absurdly_long_fields_are_trimmed() -> None:
    huge = "x" * 10_000_000
    person = norm(
        full_name=huge,
        org=huge,
        title=huge,
        notes=huge,
        emails=[huge + "@x.com"],
        phones=["1" * 5000],
    )
    assert len(person.name) == len(person.org) == len(person.title) == 500
    assert len(person.notes) == 20_000
    assert person.emails[0] == Email("x" * 500, valid=False)
    assert len(person.phones[0].number) == 500


def test_a_field_cut_at_its_limit_does_not_end_in_a_space() -> None:
    """Cut after collapsing whitespace, a long name or note could keep a
    trailing space that an export and re-import then dropped."""
    person = norm(full_name="a" * 499 + " b", org="o" * 499 + "  \t c", notes="n" * 19_999 + " m")
    assert person.name == "a" * 499
    assert person.org == "o" * 499
    assert person.notes == "n" * 19_999


# --- control characters ------------------------------------------------------

C0_AND_DEL = "".join(map(chr, range(0x20))) + "\x7f"


def text_fields(person: Person) -> dict[str, str]:
    """Every text a person carries into the store (and so into exports)."""
    fields = {
        "name": person.name,
        "given": person.given,
        "family": person.family,
        "org": person.org,
        "title": person.title,
        "connected_on": person.connected_on,
        "invited_on": person.invited_on,
        "profile_url": person.profile_url,
        "notes": person.notes,
    }
    fields.update({f"email {i}": e.address for i, e in enumerate(person.emails)})
    fields.update({f"phone {i}": p.number for i, p in enumerate(person.phones)})
    fields.update({f"label {i}": label for i, label in enumerate(person.labels)})
    return fields


def controls_in(text: str, allowed: str = "") -> set[str]:
    return {c for c in text if c in C0_AND_DEL and c not in allowed}


@pytest.mark.parametrize("field", ["full_name", "org", "title"])
def test_control_characters_leave_one_line_fields(field: str) -> None:
    raw = "\x00Ada\x07\tLove\x1blace\r\n\x0b\x7f  Jr\x00\x1f"
    person = norm(**{field: raw})
    assert getattr(person, "name" if field == "full_name" else field) == "Ada Lovelace Jr"


def test_control_characters_leave_name_parts_and_labels() -> None:
    person = norm(
        given="A\x00da",
        middle="\x01",
        family="Love\nlace\x00",
        labels=["Fri\x00ends", "\x00", "a\tb"],
    )
    assert (person.name, person.given, person.family) == ("Ada Love lace", "Ada", "Love lace")
    assert person.labels == ["Friends", "a b"]


def test_control_characters_leave_emails_and_phones() -> None:
    person = norm(
        emails=["ada\x00@example.com\x00", "bad\x07@@example.com"],
        phones=["+1 415\x00 555 0101", "12\x1b34"],
    )
    assert person.emails == [Email("ada@example.com"), Email("bad@@example.com", valid=False)]
    assert person.phones == [Phone("+14155550101"), Phone("1234", valid=False)]


def test_notes_keep_tabs_and_line_breaks_only() -> None:
    person = norm(notes="\x00 Met at\x07 PyCon\r\n\tsecond\x1b line\rthird\x0bfourth\x7f \x00")
    assert person.notes == "Met at PyCon\n\tsecond line\nthird\nfourth"


def test_control_characters_leave_the_linkedin_fields() -> None:
    person = norm(
        connected_on="\x0015 Jan\t2024\x00",
        invited_on="2024-01-02\x1b",
        profile_url="https://www.linkedin.com/in/\x00ada",
    )
    assert person.connected_on == "15 Jan 2024"
    assert person.invited_on == "2024-01-02"
    assert person.profile_url == "https://www.linkedin.com/in/ada"


def test_text_without_control_characters_is_left_alone() -> None:
    """The fast check (str.isprintable) also stops at other non-printable
    characters, e.g. a no-break space or a zero-width joiner: kept as before."""
    person = norm(full_name="Ada\u00a0Lovelace", org="A\u200dB", notes="a  b\u00a0c")
    assert (person.name, person.org, person.notes) == ("Ada Lovelace", "A\u200dB", "a  b\u00a0c")


controlled_text = st.text(
    st.sampled_from("ab @.+1 \u00a0") | st.sampled_from(C0_AND_DEL), max_size=30
)


@settings(max_examples=300, deadline=None)
@given(
    st.builds(
        RawRecord,
        line=st.just(1),
        full_name=controlled_text,
        given=controlled_text,
        middle=controlled_text,
        family=controlled_text,
        org=controlled_text,
        title=controlled_text,
        emails=st.lists(controlled_text, max_size=3),
        phones=st.lists(controlled_text, max_size=3),
        notes=controlled_text,
        labels=st.lists(controlled_text, max_size=3),
        connected_on=controlled_text,
        invited_on=controlled_text,
        profile_url=controlled_text,
    )
)
def test_no_control_character_survives(record: RawRecord) -> None:
    person = Normalizer("US")(record)
    for name, text in text_fields(person).items():
        allowed = "\t\n" if name == "notes" else ""
        assert not controls_in(text, allowed), (name, text)


# --- regions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "region"),
    [
        ({"LANG": "de_DE.UTF-8"}, "DE"),
        ({"LANG": "en_GB.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, "FR"),
        ({"LANG": "en_IN"}, "IN"),
        ({"LANG": "sr_RS@latin"}, "RS"),
        ({"LC_ALL": "C.UTF-8", "LANG": "en_AU.UTF-8"}, "AU"),
        ({"LANG": "C"}, "US"),
        ({"LANG": "POSIX"}, "US"),
        ({"LANG": "xx_QQ.UTF-8"}, "US"),
        ({}, "US"),
    ],
)
def test_default_region_from_locale(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], region: str
) -> None:
    for var in ("LC_ALL", "LC_TELEPHONE", "LC_ADDRESS", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert default_region_from_locale() == region


def test_valid_region() -> None:
    assert valid_region("DE") and valid_region("gb") and valid_region("IN")
    assert not valid_region("UK") and not valid_region("XX") and not valid_region("001")
    assert not valid_region("")
    with pytest.raises(ValueError):
        Normalizer("UK")
    assert Normalizer("de").default_region == "DE"


# --- robustness --------------------------------------------------------------


def test_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normalize, "CACHE_SIZE", 8)
    normalizer = Normalizer("US")
    for i in range(50):
        normalizer(RawRecord(line=i, emails=[f"p{i}@x.com"], phones=[f"(415) 555-{i:04d}"]))
        assert len(normalizer._emails) <= 8
        assert len(normalizer._phones) <= 8


def test_normalizer_pickles_without_its_caches() -> None:
    normalizer = Normalizer("GB")
    normalizer(RawRecord(line=1, emails=["a@b.co.uk"], phones=["020 7946 0958"]))
    copy = pickle.loads(pickle.dumps(normalizer))
    assert copy.default_region == "GB" and copy._emails == {} and copy._phones == {}
    assert copy(RawRecord(line=1, phones=["020 7946 0958"])).phones == [Phone("+442079460958")]


def test_import_is_cheap_and_core_only() -> None:
    code = (
        "import sys, triage.ingest.normalize; "
        "heavy = ('phonenumbers', 'email_validator', 'textual'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = _python(code)
    assert out.stdout.strip() == "[]"


any_text = st.text(max_size=40)


@settings(max_examples=400, deadline=None)
@given(
    st.builds(
        RawRecord,
        line=st.integers(1, 10**6),
        kind=st.sampled_from(["contact", "invitation"]),
        full_name=any_text,
        given=any_text,
        middle=any_text,
        family=any_text,
        org=any_text,
        title=any_text,
        emails=st.lists(any_text | structured, max_size=3),
        phones=st.lists(
            any_text | st.from_regex(r"\+?[0-9 ()./-]{0,20}", fullmatch=True), max_size=3
        ),
        notes=any_text,
        labels=st.lists(any_text, max_size=3),
        countries=st.lists(any_text | st.sampled_from(["DE", "Deutschland", "UK"]), max_size=2),
        connected_on=any_text,
        invited_on=any_text,
        profile_url=any_text,
    )
)
def test_any_record_gives_a_person(record: RawRecord) -> None:
    person = Normalizer("US")(record)
    assert bool(person.flags & FLAG_BITS["name_guessed"]) <= bool(person.name)
    assert person.kind == record.kind
    assert not person.flags & FLAG_BITS["merged"]
    assert ("no_email" in flags_of(person)) == (not any(e.valid for e in person.emails))
    keys = [email_key(e.address) for e in person.emails]
    assert len(keys) == len(set(keys))
    valid = [e.valid for e in person.emails]
    assert valid == sorted(valid, reverse=True)


# The plain-number path of phones.py (digits, "( ) . - /", spaces, one "+")
# must give parse + is_valid_number + E164 exactly, for every region.
ALL_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
FORMATS = [
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.E164,
]


@st.composite
def formatted_numbers(draw: st.DrawFn) -> tuple[str, str | None]:
    """An example number of any region as people write it, with its digits
    perturbed, its punctuation changed, read with some region (or none)."""
    origin = draw(st.sampled_from(ALL_REGIONS))
    kind = draw(st.sampled_from(list(phonenumbers.PhoneNumberType.values())))
    sample = phonenumbers.example_number_for_type(origin, kind) or phonenumbers.example_number(
        origin
    )
    assume(sample is not None)
    text = phonenumbers.format_number(sample, draw(st.sampled_from(FORMATS)))
    chars = list(text)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(chars)))
        edit = draw(st.sampled_from(["digit", "punct", "drop"]))
        if edit == "digit":
            chars.insert(at, draw(st.sampled_from("0123456789")))
        elif edit == "punct":
            chars.insert(at, draw(st.sampled_from(" ().-/")))
        elif chars:
            del chars[min(at, len(chars) - 1)]
    text = "".join(chars)
    if draw(st.booleans()):
        text = "(" + text + ")"
    region = draw(st.sampled_from([origin, "US", "GB", "DE", "IN", "FR"]) | st.none())
    return text, region


@settings(max_examples=3000, deadline=None)
@given(
    formatted_numbers()
    | st.tuples(
        st.text("0123456789 ().-/+", min_size=1, max_size=20),
        st.sampled_from(ALL_REGIONS) | st.none(),
    )
)
@example(("(713) 909-1249", "US"))
@example(("+44 (0)20 7946 0958", None))
@example(("011 44 20 7946 0958", "US"))  # an international prefix: left to parse
@example(("1 202 555 0142", "US"))  # the region's own code in front: left to parse
@example(("91234 56789", "IN"))  # an Indian mobile starting with 91
@example(("0049 89 5217479", "GB"))
@example(("202 555 0142", "us"))  # parse knows regions in capitals only
@example(("+800 1234 5678", None))  # non-geographic
def test_plain_number_path_equals_phonenumbers(case: tuple[str, str | None]) -> None:
    text, region = case
    assert normalize._e164(text, region) == reference_e164(text, region)


@given(st.text(max_size=40))
@example("a  b")
@example(" a")
@example("a ")
@example("a\u00a0b")
@example("a\u2028b")
@example("a\x1cb")
def test_a_short_field_is_collapsed_to_single_spaces(text: str) -> None:
    """Names, organisations, titles: whitespace collapsed to single spaces,
    control characters dropped (printable text takes a shortcut)."""
    from triage.ingest.normalize import _clip

    clipped = _clip(text, 300)
    if text.isprintable():
        assert clipped == " ".join(text.split())
    assert clipped == " ".join(clipped.split())
