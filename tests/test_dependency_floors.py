"""Dependency floors the code relies on: pyproject.toml must not allow a version that lacks
what the SDK calls."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_tenacity_floor_has_the_wait_before_the_stop() -> None:
    """transport.Transport.call's budgeted `stop` needs `upcoming_sleep` set before it runs:
    tenacity 8.3.0 or later."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [requirement] = [d for d in project["project"]["dependencies"] if d.startswith("tenacity")]
    found = re.search(r">=\s*([0-9.]+)", requirement)
    assert found is not None, requirement
    floor = tuple(int(part) for part in found.group(1).split("."))
    assert floor >= (8, 3), f"{requirement}: tenacity 8.2 has no upcoming_sleep before stop"
