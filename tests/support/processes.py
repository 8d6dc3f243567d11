"""Running townhall as a user does: a real process, from the interpreter running the tests."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def townhall_command() -> list[str]:
    return [sys.executable, "-m", "bot"]
