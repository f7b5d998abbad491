"""The README's way to type-check an app against the SDK checked out and installed editable
(`mypy --strict --follow-imports=silent` with MYPYPATH at the checkout) works: an app using the
SDK correctly passes, and a type mistake about an SDK value is reported in the app (so the
SDK's types were used, not ignored)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # two runs of mypy without a cache

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
import asyncio
from datetime import datetime
from pathlib import Path

from client_sdk import Client


async def main() -> None:
    client = await Client.open(Path("home"))
    synced: datetime | None = await client.last_synced()
    print(synced)
    await client.close()


asyncio.run(main())
"""

BAD = """
from pathlib import Path

from client_sdk import Client


async def main() -> None:
    client = await Client.open(Path("home"))
    synced: int = await client.last_synced()
    print(synced)
"""


def test_the_readme_mypy_command_type_checks_an_app(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"`MYPYPATH=/path/to/repo (mypy [^`]*) app\.py`", readme)
    assert found, "the README's type-check command"
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    argv = shlex.split(found.group(1))[1:]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            *argv,
            "--cache-dir",
            str(tmp_path / "cache"),
            "good.py",
            "bad.py",
        ],  # fmt: skip
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout + result.stderr
    assert errors[0].startswith("bad.py:9:"), errors
    assert "Incompatible types in assignment" in errors[0]


def test_plain_mypy_type_checks_an_app_against_the_installed_sdk(tmp_path: Path) -> None:
    """The README's other way: with the SDK installed (here editable, by `.ci/setup`: a .pth
    file names the checkout, NU32 #13), plain `mypy --strict app.py` finds the SDK's types
    with no MYPYPATH, and reports the app's mistake only."""
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "plain `mypy --strict app.py` works with the SDK installed, editable" in readme
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    environment = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
         "good.py", "bad.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )  # fmt: skip
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, result.stdout + result.stderr
    assert errors[0].startswith("bad.py:9:"), errors
    assert "Incompatible types in assignment" in errors[0]
