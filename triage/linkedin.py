"""One form of a profile URL for matching: the same LinkedIn profile however
an export spells it (scheme, ``www.`` or a country subdomain, a query, a
fragment, a trailing slash, percent escapes, letter case).

Pure and small: the importers, the recovery deck and the store's network
pass (:mod:`triage.store.network`) all match with it."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# The usual spelling (``https://www.linkedin.com/in/jane-doe/``): its key is
# read without urlsplit, ~10x faster (the network pass keys every profile
# of the database).  Anything else (a query, escapes, a port) takes the
# long way; both give the same key.
_PLAIN = re.compile(r"(?:https?://)?(?:[A-Za-z]{2,3}\.)?linkedin\.com(/in/[^/?#%\s\\@:;]+)/?", re.I)


def profile_key(url: str) -> str:
    """``https://www.LinkedIn.com/in/Jane-Doe/?trk=x`` -> ``linkedin.com/in/jane-doe``.

    Any LinkedIn host (``de.linkedin.com``) becomes ``linkedin.com``; other
    hosts lose only a leading ``www.``.  "" for an empty or host-less URL."""
    plain = _PLAIN.fullmatch(url)
    if plain is not None:
        return "linkedin.com" + plain.group(1).casefold()
    text = url.strip()
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").casefold()
    except ValueError:  # an unbalanced "[" in the host part
        return text.casefold()
    path = unquote(parts.path).rstrip("/").casefold()
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        host = "linkedin.com"
    else:
        host = host.removeprefix("www.")
    if not host:
        return path
    return f"{host}{path}"
