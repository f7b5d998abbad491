"""`tj import` of this account's own export, into a journal made anew, says in plain words
why the safety-flag opt-in is not on there (an import never sends safety flags to anyone),
never that it names "your old account's shares"; and the error of a device with no default
journal names no SDK internals (real server on loopback, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, laptop  # noqa: F401
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_importing_ones_own_export_says_why_the_opt_in_is_off_in_plain_words(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("write", "--journal", "Work", "A hard week.")
    await laptop.ok(
        "share", "Work", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    path = (await laptop.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()
    await laptop.ok("journal", "delete", "Work", input="Work\n")
    text = said((await laptop.ok("import", path)).stdout)
    assert "Safety flags: in the file, flags of Work reached drsmith; an import never" in text
    assert "old account" not in text, text


async def test_no_default_journal_is_said_without_internal_words(
    laptop: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Other")
    await laptop.ok("journal", "delete", "Personal", input="Personal\n")
    wrote = await laptop.tj("write", "Where does this go?")
    text = said(wrote.stderr)
    assert wrote.exit_code != 0 and "no default journal" in text, text
    assert "SDK" not in text and "by its id" not in text, text
