"""Fields of an export as they may come, checked: a count (3, "3", 3.0) that is hostile or broken is
an error naming the field, never a traceback or a loop that builds that many objects; an object or
list of the wrong shape reads as empty."""

from __future__ import annotations

from agents.importers.history import ImportFailed

MAX_COUNT = 10**9  # more reactions than any real post gets, and still a small int
MAX_DIGITS = len(str(MAX_COUNT))


def parse_count(value: object, where: str, *, limit: int = MAX_COUNT) -> int:
    """A whole number from 0 to `limit`; None or "" is 0."""
    if value is None or value == "":
        return 0
    text = str(value).strip()
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(min(value, limit + 1))
    elif text.isascii() and text.isdigit():  # digits only: "1e400" and "lots" are not counts
        number = int(text[: MAX_DIGITS + 1])  # a longer number is over the limit anyway
    if number is None or number < 0:
        raise ImportFailed(
            f"{where}: the count {text[:40]!r} is not a whole number — fix: write a number "
            "like 3, or leave it empty"
        )
    if number > limit:
        raise ImportFailed(
            f"{where}: the count {text[:40]} is more than the {limit:,} allowed — fix: "
            "correct the count; a number this size means a broken or hand-made file"
        )
    return number


def obj(value: object) -> dict:
    """`value` if it is a JSON object, else {} (an export edited by hand, or hostile)."""
    return value if isinstance(value, dict) else {}


def listed(value: object) -> list:
    """`value` if it is a JSON list, else []."""
    return value if isinstance(value, list) else []


def objects(value: object) -> list[dict]:
    """The JSON objects in `value` if it is a list, else []."""
    return [item for item in listed(value) if isinstance(item, dict)]
