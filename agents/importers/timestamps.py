"""The few date formats exports use, parsed to aware UTC datetimes; anything else is an error."""

from __future__ import annotations

from datetime import UTC, datetime

from agents.importers.history import ImportFailed

_TWITTER = "%a %b %d %H:%M:%S %z %Y"  # Wed Oct 10 20:19:24 +0000 2018


def parse_when(value: object, where: str) -> datetime | None:
    """ISO 8601, Twitter's created_at or Unix seconds (Slack's ts); None when empty."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except (ValueError, OverflowError, OSError):  # not a number, or seconds past year 9999
        pass
    for parse in (
        lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")),
        lambda t: datetime.strptime(t, _TWITTER),
    ):
        try:
            when = parse(text)
        except ValueError:
            continue
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    raise ImportFailed(
        f"{where}: cannot read the date {text[:40]!r} — fix: use ISO 8601 "
        "(2024-05-01T14:30:00Z) or Unix seconds"
    )
