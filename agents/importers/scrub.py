"""Remove identifiers from imported text before it is stored or shown to a model.

Emails, phone numbers, IP addresses, secrets in links (tokens, keys, signatures in query strings)
and long opaque tokens become placeholders; @handles of people outside the import become @someone.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+(])(?:\+|00)?\(?\d[\d\s().-]{7,}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_URL = re.compile(r"https?://[^\s<>\"']+")
_OPAQUE = re.compile(r"\b(?=[A-Za-z0-9_\-]*\d)(?=[A-Za-z0-9_\-]*[A-Za-z])[A-Za-z0-9_\-]{32,}\b")
_HANDLE = re.compile(r"(?<![\w@])@([A-Za-z0-9_.]{1,30})")
_SECRET_KEYS = re.compile(
    r"token|key|sig|secret|auth|pass|session|code|ticket|credential|jwt", re.I
)


def _clean_url(match: re.Match) -> str:
    url = match.group(0)
    trail = ""
    while url and url[-1] in ".,;:!?)":  # punctuation that ends the sentence, not the link
        trail, url = url[-1] + trail, url[:-1]
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "[link]" + trail
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(_SECRET_KEYS.search(key) for key, _ in query) or _OPAQUE.search(parts.path):
        return urlunsplit((parts.scheme, parts.netloc, "", "", "")) + "/[link]" + trail
    return url + trail


def _phone(match: re.Match) -> str:
    found = match.group(0)
    if _DATE.match(found):  # 2016-01-15 10 … is a date and an hour, not a number to call
        return found
    digits = sum(ch.isdigit() for ch in found)
    return "[phone]" if 9 <= digits <= 15 else found


def scrub(text: str, keep_handles: frozenset[str] | set[str] = frozenset()) -> str:
    """`keep_handles`: lower-case handles of people in the pack, whose @mentions stay."""
    text = _URL.sub(_clean_url, text)
    text = _EMAIL.sub("[email]", text)
    text = _IPV4.sub("[ip]", text)
    text = _PHONE.sub(_phone, text)
    text = _OPAQUE.sub("[token]", text)
    return _HANDLE.sub(
        lambda m: m.group(0) if m.group(1).lower() in keep_handles else "@someone", text
    )
