"""Deterministic, messy address books for the import benchmark.

``google_csv(path, n)`` writes a Google Contacts CSV (2024 or old layout) and
``vcards(path, n)`` a vCard file, both from a fixed seed with pure-Python
``random.Random``, so every run measures the same bytes.  The mess is the one
real exports have (FORMATS.md §1 and §6): accented names, several emails per
person (some upper-case, some ``" ::: "``-joined in one cell), ~1 % invalid and
~2 % role addresses, national phone formats of US/GB/DE/IN/FR with a country
hint in ``Address 1 - Country`` or an email ccTLD, some ``+44``/``0049``
international forms, ~5 % duplicates of earlier people, ~3 % without email,
``* myContacts`` labels, multi-line quoted notes and addresses, and the empty
numbered columns of a real export.

Usage: ``python bench/generate.py OUTDIR [--rows N] [--cards N] [--layout old|2024]``
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import dataclasses
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20_241_021

# --------------------------------------------------------------------------- headers


def _words(text: str, sep: str | None = None) -> list[str]:
    """A word list from a wrapped string literal (keeps the pools compact)."""
    return [w.strip() for w in text.replace("\n", "" if sep else " ").split(sep) if w.strip()]


HEADER_2024 = _words(
    """First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,
Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,
Organization Title,Organization Department,Birthday,Notes,Photo,Labels,
E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,
E-mail 3 - Label,E-mail 3 - Value,E-mail 4 - Label,E-mail 4 - Value,
Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,
Phone 3 - Label,Phone 3 - Value,Address 1 - Label,Address 1 - Formatted,
Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,
Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,
Address 2 - Label,Address 2 - Formatted,Address 2 - Street,Address 2 - City,
Address 2 - PO Box,Address 2 - Region,Address 2 - Postal Code,Address 2 - Country,
Address 2 - Extended Address,Website 1 - Label,Website 1 - Value,Website 2 - Label,
Website 2 - Value,Event 1 - Label,Event 1 - Value,Event 2 - Label,Event 2 - Value,
Event 3 - Label,Event 3 - Value""",
    ",",
)

HEADER_OLD = _words(
    """Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,
Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,
Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,
Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,
Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,
E-mail 3 - Type,E-mail 3 - Value,E-mail 4 - Type,E-mail 4 - Value,IM 1 - Type,
IM 1 - Service,IM 1 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,
Phone 2 - Value,Phone 3 - Type,Phone 3 - Value,Address 1 - Type,Address 1 - Formatted,
Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,
Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address,
Address 2 - Type,Address 2 - Formatted,Address 2 - Street,Address 2 - City,
Address 2 - PO Box,Address 2 - Region,Address 2 - Postal Code,Address 2 - Country,
Address 2 - Extended Address,Organization 1 - Type,Organization 1 - Name,
Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department,
Organization 1 - Symbol,Organization 1 - Location,Organization 1 - Job Description,
Website 1 - Type,Website 1 - Value,Website 2 - Type,Website 2 - Value,Event 1 - Type,
Event 1 - Value,Event 2 - Type,Event 2 - Value,Event 3 - Type,Event 3 - Value""",
    ",",
)

# --------------------------------------------------------------------------- pools

GIVEN = _words("""James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William
Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Emily Matthew Ashley
Zoë Chloé José María Jürgen Søren Łukasz Agnieszka François Renée Björn Åsa Ayşe Mehmet
Priya Arjun Ananya Rahul Sanjay Deepika Aarav Kavya Vikram Lakshmi Hannah Lukas Felix Lena
Jonas Émilie Hélène Benoît Léa Théo Oliver George Harry Amelia Isla Noah Liam Emma Olivia
Sophie Mohammed Fatima Wei Li Yuki Kenji Chidi Ngozi Kwame Ama Mateo Lucía Íñigo Małgorzata
Grzegorz Anaïs Joël Maël Siobhán Seán Niamh Ciarán Anja Jörg Götz Käthe Ines Paweł
Nikolaj Mette Saoirse Rhys Dafydd Gwen Ingrid Henrik Astrid Nils""")
FAMILY = _words("""Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
Wilson Anderson Taylor Thomas Moore Jackson White Harris Müller Schmidt Schneider Fischer
Weber Meyer Wagner Becker Schäfer Koch Hoffmann Schröder Martin Bernard Dubois Robert Richard
Petit Durand Lefèvre Leroy Moreau Fournier Girard Patel Sharma Singh Kumar Gupta Reddy Iyer
Nair Menon Chatterjee Banerjee Evans Roberts Walker Wright O'Brien O'Neill Núñez Fernández
González Wiśniewski Kowalski Nowak Wójcik Lindqvist Sørensen Yılmaz Öztürk Nguyễn Kim Lee
Chen Wang Tanaka Okafor Mensah Boateng Adeyemi MacLeod Fitzgerald Åberg Jäger Weiß Groß
Dvořák""")
FAMILY += ["van der Berg", "de la Cruz", "Le Gall", "García Márquez", "Smith-Jones"]
TITLES = _words(
    """Software Engineer|Senior Software Engineer|Engineering Manager|CTO|CEO|Founder|
Co-founder|Product Manager|Product Designer|UX Researcher|Data Scientist|Recruiter|
Technical Recruiter|Talent Partner|Account Executive|Sales Director|VP Sales|Marketing Lead|
Growth Marketer|Consultant|Partner|Associate|Analyst|Accountant|Lawyer|Dentist|Architect|
Teacher|Professor|Student|Nurse|Physician|Photographer|Editor|Journalist|Office Manager|
HR Director|Head of People|Operations Manager|Site Reliability Engineer|DevOps Engineer|
Solutions Architect|Developer Advocate|Investor|Principal|Intern""",
    "|",
)
SECTORS = _words("""Labs Systems Analytics Freight Dynamics Works Health Capital Robotics
Software Consulting Logistics Media Foods Energy Studio Partners Bank Insurance Pharma""")
SYLLABLES = _words("""ka ro ve lin tor na mi zen tra bel qua dex nor vak lu sen ti mar go fa
rel pix zo ri an cor ta ble vi om""")
USER_LABELS = _words(
    """Work|Family|Friends|Conference 2023|Recruiters|Clients|Gym|School|Neighbours|
Investors|Former colleagues|Meetup""",
    "|",
)
ROLES = _words("info sales support noreply hello jobs contact office admin careers")
NOTES = [
    "Met at the conference, interested in the platform team",
    "Intro via a former colleague, follow up in Q3",
    "Recruiter, sends roles now and then",
    "Old flatmate, lives in {city} now",
    "Asked about the consulting gig, rate TBD",
    "Dentist, cleaning every 6 months",
]
MULTILINE_NOTES = [
    'Met at the {city} meetup.\nFollow up about the "data" project, maybe next spring.',
    "Former landlord.\nDeposit returned, finally.\nPrefers calls, not texts.",
    "Kids' football coach\nTraining Tuesdays, 5pm\nBring the forms",
]

# --------------------------------------------------------------------------- countries


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    names: tuple[str, ...]  # how address books spell it in Address 1 - Country
    cities: tuple[str, ...]
    email_tlds: tuple[str, ...]  # ccTLD hints
    phone: Callable[[random.Random], tuple[str, str]]  # (national form, international form)


def _us(r: random.Random) -> tuple[str, str]:
    area = r.choice(_words("201 212 305 312 404 415 503 512 617 646 650 702 713 206 303 917"))
    exch = f"{r.randint(2, 9)}{r.randint(0, 9)}{r.randint(2, 9)}"
    line = f"{r.randrange(10_000):04d}"
    style = r.randrange(4)
    national = (
        f"({area}) {exch}-{line}",
        f"{area}-{exch}-{line}",
        f"{area}.{exch}.{line}",
        f"{area}{exch}{line}",
    )[style]
    return national, f"+1 {area} {exch} {line}"


def _gb(r: random.Random) -> tuple[str, str]:
    if r.random() < 0.5:  # London: 020 3/4/7/8xxx xxxx
        rest = f"{r.choice('3478')}{r.randrange(1000):03d} {r.randrange(10_000):04d}"
        return f"020 {rest}", f"+44 20 {rest}"
    rest = f"{r.choice('45789')}{r.randrange(100):02d} {r.randrange(1_000_000):06d}"
    return f"07{rest}", f"+44 7{rest}"


def _de(r: random.Random) -> tuple[str, str]:
    kind = r.randrange(3)
    if kind == 0:
        rest = f"{r.randint(2, 9)}{r.randrange(10_000_000):07d}"
        return f"030 {rest}", f"0049 30 {rest}"
    if kind == 1:
        rest = f"{r.randint(2, 9)}{r.randrange(1_000_000):06d}"
        return f"089 {rest}", f"+49 89 {rest}"
    prefix = r.choice(["151", "152", "160", "170", "171", "176"])
    digits = 8 if prefix.startswith("15") else 7  # 015x mobiles are one digit longer
    rest = f"{r.randint(1, 9)}{r.randrange(10 ** (digits - 1)):0{digits - 1}d}"
    return f"0{prefix} {rest}", f"+49 {prefix} {rest}"


def _in(r: random.Random) -> tuple[str, str]:
    digits = f"{r.choice('6789')}{r.randrange(10_000):04d} {r.randrange(100_000):05d}"
    return (digits if r.random() < 0.7 else "0" + digits), f"+91 {digits}"


# Metropolitan French prefixes (0590/0690 ... are overseas departments).
_FR_PREFIXES = [
    f"{a}{b}" for a in "123456" for b in range(10) if f"{a}{b}" not in ("40", "59", "69")
]
_FR_PREFIXES += [f"7{b}" for b in range(3, 10)]


def _fr(r: random.Random) -> tuple[str, str]:
    first = r.choice(_FR_PREFIXES)
    pairs = " ".join(f"{r.randrange(100):02d}" for _ in range(3))
    number = f"{first[0]} {first[1]}{r.randrange(10)} {pairs}"
    return f"0{number}", r.choice(["+33 ", "0033 "]) + number


COUNTRIES = (
    Country("US", ("United States", "USA", "US", "United States of America"),
            ("New York", "San Francisco", "Chicago", "Austin", "Seattle", "Boston"),
            (), _us),
    Country("GB", ("United Kingdom", "UK", "England", "Great Britain"),
            ("London", "Manchester", "Edinburgh", "Bristol", "Leeds"),
            ("co.uk", "uk"), _gb),
    Country("DE", ("Germany", "Deutschland", "DE"),
            ("Berlin", "München", "Köln", "Hamburg", "Düsseldorf"),
            ("de",), _de),
    Country("IN", ("India", "IN"),
            ("Bengaluru", "Mumbai", "Pune", "Chennai", "New Delhi"),
            ("in", "co.in"), _in),
    Country("FR", ("France", "FR"),
            ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes"),
            ("fr",), _fr),
)  # fmt: skip
COUNTRY_WEIGHTS = (40, 15, 15, 15, 15)

# --------------------------------------------------------------------------- people

_ASCII = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i", "đ": "d"})


def ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c in " -"))


@dataclass(slots=True)
class Person:
    given: str
    middle: str
    family: str
    org: str
    title: str
    dept: str
    country: Country
    emails: list[str] = field(default_factory=list)
    email_cell_joined: bool = False  # all emails " ::: "-joined in E-mail 1
    phones: list[str] = field(default_factory=list)
    country_cell: str = ""
    city: str = ""
    formatted_address: bool = False
    labels: str = "* myContacts"
    notes: str = ""
    birthday: str = ""
    website: str = ""


class _Maker:
    """Draws people from one seeded generator; keeps emails unique."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.used: set[str] = set()
        r = self.r
        brands: set[str] = set()
        while len(brands) < 4000:
            brands.add("".join(r.choice(SYLLABLES) for _ in range(r.randint(2, 3))).title())
        self.brands = sorted(brands)

    def _unique(self, local: str, domain: str) -> str:
        address = f"{local}@{domain}"
        n = 1
        while address.casefold() in self.used:
            n += 1
            address = f"{local}{n}@{domain}"
        self.used.add(address.casefold())
        return address

    def _role_address(self) -> str:
        """info@, sales@ ... of a company no one else in the book uses it for."""
        while True:
            address = f"{self.r.choice(ROLES)}@{self.r.choice(self.brands).lower()}-example.com"
            if address not in self.used:
                self.used.add(address)
                return address

    def _domain(self, brand: str, country: Country, hinted: bool, company: bool) -> str:
        tld = self.r.choice(country.email_tlds) if hinted and country.email_tlds else "com"
        if company:
            return f"{brand.lower()}-example.{tld}"
        return self.r.choice(["example", "mail-example", "post-example"]) + f".{tld}"

    def person(self) -> Person:
        r = self.r
        country = r.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        given, family = r.choice(GIVEN), r.choice(FAMILY)
        brand = r.choice(self.brands)
        has_org = r.random() < 0.7
        p = Person(
            given=given,
            middle=r.choice(GIVEN) if r.random() < 0.05 else "",
            family=family,
            org=f"{brand} {r.choice(SECTORS)}" if has_org else "",
            title=r.choice(TITLES) if r.random() < 0.6 else "",
            dept=r.choice(["Engineering", "Sales", "R&D", "Finance"]) if r.random() < 0.1 else "",
            country=country,
            city=r.choice(country.cities),
        )
        # How this person's phones can be read: a country cell, an email
        # ccTLD, international numbers, or (rarely) nothing at all.
        hint = "country" if country.code == "US" else r.choices(
            ["country", "tld", "international", "none"], [50, 30, 17, 3]
        )[0]  # fmt: skip
        if hint == "country" and (country.code != "US" or r.random() < 0.3):
            p.country_cell = r.choice(country.names)
            p.formatted_address = r.random() < 0.3

        no_email = r.random() < 0.03
        if not no_email:
            count = r.choices([1, 2, 3], [60, 30, 10])[0]
            fg, ff = ascii_fold(given).lower(), ascii_fold(family).lower().replace(" ", "")
            for i in range(count):
                local = r.choice([f"{fg}.{ff}", f"{fg[:1]}{ff}", f"{fg}_{ff}", f"{fg}{ff[:1]}"])
                company = has_org and i == 0 and r.random() < 0.7
                domain = self._domain(brand, country, hint == "tld", company)
                address = self._unique(local, domain)
                roll = r.random()
                if roll < 0.03:
                    address = address.upper()
                elif roll < 0.06:
                    address = address.title()
                p.emails.append(address)
            roll = r.random()
            if roll < 0.02:  # a shared mailbox instead of the person's own
                p.emails[0] = self._role_address()
            elif roll < 0.03:
                p.emails[-1] = _invalid(r, p.emails[-1])
            p.email_cell_joined = len(p.emails) > 1 and r.random() < 0.2

        if no_email or r.random() < 0.5:
            for _ in range(r.choices([1, 2], [70, 30])[0]):
                national, international = country.phone(r)
                intl = hint == "international" or (country.code != "US" and r.random() < 0.05)
                p.phones.append(international if intl else national)

        roll = r.random()
        if roll < 0.25:
            p.labels = f"{r.choice(USER_LABELS)} ::: * myContacts"
        elif roll < 0.30:
            p.labels = f"{r.choice(USER_LABELS)} ::: * myContacts ::: * starred"
        elif roll < 0.33:
            p.labels = f"{r.choice(USER_LABELS)} ::: {r.choice(USER_LABELS)} ::: * myContacts"
        roll = r.random()
        if roll < 0.02:
            p.notes = r.choice(MULTILINE_NOTES).format(city=p.city)
        elif roll < 0.08:
            p.notes = r.choice(NOTES).format(city=p.city)
        if r.random() < 0.1:
            p.birthday = (
                f"{r.randint(1950, 2004)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
                if r.random() < 0.8
                else f" --{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
            )
        if has_org and r.random() < 0.05:
            p.website = f"https://{brand.lower()}-example.com"
        return p

    def duplicate(self, p: Person) -> Person:
        """The same person as another export of the book has them: same
        email in another case, or an extra phone, or other labels."""
        r = self.r
        q = dataclasses.replace(p, emails=list(p.emails), phones=list(p.phones))
        roll = r.random()
        if roll < 0.4:
            q.emails[0] = q.emails[0].upper()
        elif roll < 0.6:
            q.emails[0] = q.emails[0].capitalize()
        if roll >= 0.4 or r.random() < 0.3:
            q.phones.append(q.country.phone(r)[0 if q.country_cell else 1])
        if r.random() < 0.5:
            q.labels = f"{r.choice(USER_LABELS)} ::: * myContacts"
        return q


def _invalid(r: random.Random, address: str) -> str:
    local, _, domain = address.partition("@")
    return r.choice(
        [
            f"{local}@@{domain}",
            f"{local}@{domain.rpartition('.')[0].rpartition('.')[0] or 'example'}",
            f"{local}@{domain}.",
            f"{local} @{domain}",
            f"{local}.{domain}",
            f"{local}@{domain.replace('.', ',', 1)}",
            f"{local}@-{domain}",
        ]
    )


def people(n: int, seed: int = SEED) -> list[Person]:
    """``n`` records, ~5 % of them later copies of an earlier person."""
    maker = _Maker(seed)
    out: list[Person] = []
    for i in range(n):
        if i > 20 and maker.r.random() < 0.05:
            original = out[maker.r.randrange(i)]
            if original.emails:
                out.append(maker.duplicate(original))
                continue
        out.append(maker.person())
    return out


# --------------------------------------------------------------------------- Google CSV


def _google_row(p: Person, header: list[str], old: bool) -> list[str]:
    kind = "Type" if old else "Label"
    cells: dict[str, str] = {}
    if old:
        cells["Name"] = " ".join(x for x in (p.given, p.middle, p.family) if x)
        cells["Given Name"], cells["Additional Name"], cells["Family Name"] = (
            p.given,
            p.middle,
            p.family,
        )
        cells["Group Membership"] = p.labels
        cells["Organization 1 - Type"] = "Work" if p.org or p.title else ""
        cells["Organization 1 - Name"] = p.org
        cells["Organization 1 - Title"] = p.title
        cells["Organization 1 - Department"] = p.dept
    else:
        cells["First Name"], cells["Middle Name"], cells["Last Name"] = p.given, p.middle, p.family
        cells["File As"] = ""
        cells["Labels"] = p.labels
        cells["Organization Name"], cells["Organization Title"] = p.org, p.title
        cells["Organization Department"] = p.dept
    cells["Birthday"] = p.birthday
    cells["Notes"] = p.notes
    labels = ["* Work", "Home", "Other", "Other"]
    if p.email_cell_joined:
        cells[f"E-mail 1 - {kind}"] = " ::: ".join(labels[: len(p.emails)])
        cells["E-mail 1 - Value"] = " ::: ".join(p.emails)
    else:
        for i, address in enumerate(p.emails[:4], 1):
            cells[f"E-mail {i} - {kind}"] = labels[i - 1]
            cells[f"E-mail {i} - Value"] = address
    for i, number in enumerate(p.phones[:3], 1):
        cells[f"Phone {i} - {kind}"] = ("Mobile", "Work", "Home")[i - 1]
        cells[f"Phone {i} - Value"] = number
    if p.country_cell:
        cells[f"Address 1 - {kind}"] = "Home"
        cells["Address 1 - City"] = p.city
        cells["Address 1 - Country"] = p.country_cell
        if p.formatted_address:
            cells["Address 1 - Formatted"] = f"{p.city}\n{p.country_cell}"
    if p.website:
        cells[f"Website 1 - {kind}"] = "Work"
        cells["Website 1 - Value"] = p.website
    return [cells.get(col, "") for col in header]


def google_csv(path: Path | str, n: int = 100_000, *, layout: str = "2024") -> Path:
    """Write ``n`` contact rows as a Google Contacts CSV (``layout`` "2024" or "old")."""
    if layout not in ("2024", "old"):
        raise ValueError(f"layout must be '2024' or 'old', not {layout!r}")
    path = Path(path)
    old = layout == "old"
    header = HEADER_OLD if old else HEADER_2024
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(_google_row(p, header, old) for p in people(n))
    return path


# --------------------------------------------------------------------------- vCard


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str, out: list[str]) -> None:
    """RFC 2426 folding at 75 octets, never splitting a UTF-8 sequence."""
    if len(line) <= 75 and line.isascii():
        out.append(line)
        return
    cur: list[str] = []
    size = 0
    for ch in line:
        width = len(ch.encode())
        if size + width > 75:
            out.append("".join(cur))
            cur, size = [" "], 1
        cur.append(ch)
        size += width
    out.append("".join(cur))


def _qp(text: str) -> str:
    """Quoted-printable UTF-8 with 2.1 soft line breaks (``=`` + CRLF, no indent)."""
    data = binascii.b2a_qp(text.encode(), istext=False, header=False).decode("ascii")
    return data.replace("=\n", "=\r\n")  # istext=False: every real newline is =0A


NL, CRLF = "\n", "\r\n"
_PHOTO = base64.b64encode(bytes(range(256)) * 3).decode("ascii")  # ~1 KB, not a real image


def _card_30(p: Person, r: random.Random, out: list[str]) -> None:
    out += ["BEGIN:VCARD", "VERSION:3.0"]
    apple = r.random() < 0.5
    if apple:
        out.append("PRODID:-//Apple Inc.//iPhone OS 17.5.1//EN")
    out.append(f"N:{_esc(p.family)};{_esc(p.given)};{_esc(p.middle)};;")
    _fold("FN:" + _esc(" ".join(x for x in (p.given, p.middle, p.family) if x)), out)
    if p.org:
        _fold(f"ORG:{_esc(p.org)};{_esc(p.dept)}", out)
    if p.title:
        _fold(f"TITLE:{_esc(p.title)}", out)
    item = 0
    for i, address in enumerate(p.emails[:2]):
        kinds = "type=INTERNET;type=WORK" if i == 0 else "type=INTERNET;type=HOME"
        pref = ";type=pref" if i == 0 else ""
        if apple:
            item += 1
            _fold(f"item{item}.EMAIL;{kinds}{pref}:{address}", out)
            out.append(f"item{item}.X-ABLabel:_$!<{'Work' if i == 0 else 'Home'}>!$_")
        else:
            _fold(f"EMAIL;{kinds.upper()}{pref.upper()}:{address}", out)
    for i, number in enumerate(p.phones[:2]):
        kinds = ("type=CELL;type=VOICE", "type=WORK;type=VOICE")[i]
        pref = ";type=pref" if i == 0 else ""
        params = kinds + pref if apple else (kinds + pref).upper()
        out.append(f"TEL;{params}:{number}")
    if p.country_cell:
        item += 1
        group = f"item{item}." if apple else ""
        out.append(f"{group}ADR;type=HOME:;;;{_esc(p.city)};;;{_esc(p.country_cell)}")
    if p.notes:
        _fold("NOTE:" + _esc(p.notes), out)
    if r.random() < 0.01:
        _fold("PHOTO;ENCODING=b;TYPE=JPEG:" + _PHOTO, out)
    out.append("END:VCARD")


def _card_21(p: Person, r: random.Random, out: list[str]) -> None:
    """An Android-style 2.1 card: QP-encoded UTF-8 names and notes, bare params."""
    out += ["BEGIN:VCARD", "VERSION:2.1"]
    qp = ";CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE"
    out.append(f"N{qp}:{_qp(p.family)};{_qp(p.given)};;;")
    out.append(f"FN{qp}:{_qp(p.given + ' ' + p.family)}")
    if p.org:
        out.append(f"ORG{qp}:{_qp(p.org)}")
    for i, number in enumerate(p.phones[:2]):
        out.append(f"TEL;{'CELL;PREF' if i == 0 else 'WORK'}:{number}")
    for i, address in enumerate(p.emails[:2]):
        out.append(f"EMAIL;{'PREF;INTERNET' if i == 0 else 'HOME'}:{address}")
    if p.notes:
        note = f"{p.notes}\nCopied from the old phone in {p.city}, before the move."
        out.append(f"NOTE{qp}:{_qp(note.replace(NL, CRLF))}")
    out.append("END:VCARD")


def vcards(path: Path | str, n: int = 10_000) -> Path:
    """Write ``n`` vCards (mostly 3.0, ~2 % QP-encoded 2.1), CRLF line endings."""
    path = Path(path)
    r = random.Random(SEED + 1)
    lines: list[str] = []
    for p in people(n, seed=SEED + 2):
        (_card_21 if r.random() < 0.02 else _card_30)(p, r, lines)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\r\n".join(lines))
        fh.write("\r\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--rows", type=int, default=100_000, help="Google CSV rows")
    ap.add_argument("--cards", type=int, default=10_000, help="vCards")
    ap.add_argument("--layout", choices=["2024", "old"], default="2024")
    args = ap.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    g = google_csv(args.outdir / "google.csv", args.rows, layout=args.layout)
    v = vcards(args.outdir / "contacts.vcf", args.cards)
    for f in (g, v):
        print(f"{f}  {f.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
