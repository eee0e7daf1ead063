"""Regions for phone numbers: the user's locale, the regions phonenumbers
knows, and the country hints a contact carries (a country name in any of
English, German or French, a country-code top-level domain)."""

from __future__ import annotations

import functools
import os
import re

from triage.ingest.names import fold

_LOCALE = re.compile(r"[A-Za-z]{2,3}[_-]([A-Za-z]{2})(?![A-Za-z])")


def default_region_from_locale() -> str:
    """The territory of the user's locale (``de_DE.UTF-8`` -> ``"DE"``), else US."""
    for var in ("LC_ALL", "LC_TELEPHONE", "LC_ADDRESS", "LANG"):
        value = os.environ.get(var, "")
        if value:
            match = _LOCALE.match(value)
            if match and valid_region(match.group(1)):
                return match.group(1).upper()
    return "US"


def valid_region(code: str) -> bool:
    """Whether phonenumbers knows the ISO 3166 alpha-2 region ``code``."""
    return code.upper() in supported_regions()


@functools.cache
def supported_regions() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


# Country names as address books write them, English | German | French, plus
# common abbreviations; looked up after fold(), so accents and dots don't matter.
_COUNTRY_TABLE = """
US united states|united states of america|usa|u.s.a.|u.s.|america|vereinigte staaten|\
vereinigte staaten von amerika|états-unis|états-unis d'amérique
GB united kingdom|uk|u.k.|great britain|britain|england|scotland|wales|northern ireland|gbr|\
vereinigtes königreich|großbritannien|grossbritannien|royaume-uni|grande-bretagne|angleterre|écosse
DE germany|deutschland|allemagne|deu|brd
FR france|frankreich|fra
IN india|indien|inde|ind|bharat
AU australia|australien|australie|aus
CA canada|kanada|can
IE ireland|irland|irlande|eire|republic of ireland
NZ new zealand|neuseeland|nouvelle-zélande|nzl
AT austria|österreich|autriche|aut
CH switzerland|schweiz|suisse|svizzera|che
NL netherlands|the netherlands|holland|niederlande|pays-bas|nld
BE belgium|belgien|belgique|belgië
LU luxembourg|luxemburg
IT italy|italien|italie|italia|ita
ES spain|spanien|espagne|españa|esp
PT portugal|prt
SE sweden|schweden|suède|sverige
NO norway|norwegen|norvège|norge
DK denmark|dänemark|danemark|danmark
FI finland|finnland|finlande|suomi
IS iceland|island|islande
PL poland|polen|pologne|polska
CZ czech republic|czechia|tschechien|tschechische republik|république tchèque|tchéquie
SK slovakia|slowakei|slovaquie
HU hungary|ungarn|hongrie
RO romania|rumänien|roumanie
BG bulgaria|bulgarien|bulgarie
GR greece|griechenland|grèce
CY cyprus|zypern|chypre
MT malta|malte
TR turkey|türkiye|türkei|turquie
RU russia|russian federation|russland|russie
UA ukraine
HR croatia|kroatien|croatie
SI slovenia|slowenien|slovénie
RS serbia|serbien|serbie
EE estonia|estland|estonie
LV latvia|lettland|lettonie
LT lithuania|litauen|lituanie
IL israel|israël
AE united arab emirates|uae|vereinigte arabische emirate|émirats arabes unis
SA saudi arabia|saudi-arabien|arabie saoudite
QA qatar|katar
EG egypt|ägypten|égypte
ZA south africa|südafrika|afrique du sud
NG nigeria|nigéria
KE kenya|kenia
MA morocco|marokko|maroc
TN tunisia|tunesien|tunisie
DZ algeria|algerien|algérie
CN china|chine|people's republic of china|volksrepublik china
JP japan|japon
KR south korea|korea|republic of korea|südkorea|corée du sud|corée
HK hong kong|hongkong
TW taiwan|taïwan
SG singapore|singapur|singapour
MY malaysia|malaisie
TH thailand|thaïlande
VN vietnam|viet nam
ID indonesia|indonesien|indonésie
PH philippines|philippinen
PK pakistan
BD bangladesh|bangladesch
LK sri lanka
BR brazil|brasilien|brésil|brasil
MX mexico|mexiko|mexique|méxico
AR argentina|argentinien|argentine
CL chile|chili
CO colombia|kolumbien|colombie
PE peru|pérou|perú
"""
_COUNTRIES = {
    fold(name): line[:2]
    for line in _COUNTRY_TABLE.strip().splitlines()
    for name in line[3:].split("|")
}

# ccTLDs sold as generic names (.io, .co, .me, .tv, .ai ...): no hint.
_GENERIC_CCTLDS = frozenset(
    "ac ai am bz cc cd cf co cx fm ga gg gq io la ly me "  # noqa: SIM905
    "ml ms mu nu pw sc sh so st tk to tv vc ws".split()
)


@functools.lru_cache(maxsize=4096)
def country_region(value: str) -> str | None:
    key = fold(value)
    region = _COUNTRIES.get(key)
    if region is None and len(key) == 2 and key.upper() in supported_regions():
        region = key.upper()
    if region is None and "," in value:  # "Berlin, Germany"
        return country_region(value.rpartition(",")[2])
    return region


def tld_region(address: str) -> str | None:
    tld = address.rpartition(".")[2].lower()
    if tld == "uk":
        return "GB"
    if len(tld) != 2 or tld in _GENERIC_CCTLDS or tld.upper() not in supported_regions():
        return None
    return tld.upper()
