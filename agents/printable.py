"""Untrusted text made safe to print to a terminal or a text export: control characters are shown,
not obeyed. An ESC sequence in a post could clear the screen, fake output or (OSC 52) write the
operator's clipboard; a bidi override could make a line read differently from what it says."""

from __future__ import annotations

import re

# C0 but tab and newline, DEL, C1 (U+0080–U+009F: 0x9B is a one-character CSI), bidi overrides.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the control picture: ESC is ␛
    return "\u2421" if code == 0x7F else "\ufffd"


def printable(text: str) -> str:
    """`text` with every control character but tab and newline replaced by a visible stand-in."""
    return _CONTROLS.sub(_shown, text.replace("\r\n", "\n"))


def json_safe(encoded: str) -> str:
    """JSON text (from json.dumps, which escapes C0 but not C1 or bidi controls) with those
    escaped too: `cat`-ing an export must not move the cursor. The data is unchanged."""
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)
