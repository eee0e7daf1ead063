"""One form of a profile URL for matching: the same LinkedIn profile however
an export spells it (scheme, ``www.`` or a country subdomain, a query, a
fragment, a trailing slash, percent escapes, letter case)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def profile_key(url: str) -> str:
    """``https://www.LinkedIn.com/in/Jane-Doe/?trk=x`` -> ``linkedin.com/in/jane-doe``.

    Any LinkedIn host (``de.linkedin.com``) becomes ``linkedin.com``; other
    hosts lose only a leading ``www.``.  "" for an empty or host-less URL."""
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
