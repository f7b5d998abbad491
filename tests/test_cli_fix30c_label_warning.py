"""fix30c item 5: `tj caseload`'s warning about a client whose fingerprint was never compared
named an account by its label, "kim (account 1a2b3c4d)" (an earlier account named kim, whose
name the server gave to another account), unexplained, and told the therapist to run `tj
fingerprint 'kim (account 1a2b3c4d)'` and `tj verify ...`, which refuse a label as a
username. Now it says what the label is and what can be done: keep the copies (export them
first when they hold clinical items) or discard them with the exact command, which works as
printed. Real server on loopback, real crypto; CliRunner."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


async def reused_unverified(server: RunningServer, tmp_path: Path, measure: bool) -> Device:
    """kim shares with drruiz on first use (never compared), writes, erases her account;
    another person signs up as kim and shares, and drruiz verifies that new kim: drruiz."""
    kim = await new_device(server, tmp_path, "kim")
    drruiz = await new_device(server, tmp_path, "drruiz")
    await kim.ok("share", "Personal", "drruiz", TOFU)
    await kim.ok("write", "--mood", "2", "The first kim's words.")
    if measure:
        await kim.ok("measure", "take", "phq9", "--answers", "3,3,3,3,3,3,3,3,0")
    await drruiz.ok("sync")
    await kim.ok("account", "delete", "--yes")
    await drruiz.ok("sync")
    other = Device(tmp_path / "kim2", server.url)
    other.signup = await other.json("signup", server.url, "kim")
    await other.ok("share", "Personal", "drruiz", TOFU)
    fingerprint = (await other.ok("fingerprint")).stdout.strip()
    await drruiz.ok("verify", "kim", fingerprint, "--yes")
    await drruiz.ok("sync")
    return drruiz


async def test_a_labelled_clients_warning_says_what_the_label_is_and_what_works(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drruiz = await reused_unverified(live_server, tmp_path, measure=False)
    [label] = [r["client"] for r in await drruiz.json("caseload") if "(account" in r["client"]]
    said = flat((await drruiz.ok("caseload")).stderr)
    assert f"Warning: you never compared the fingerprint of '{label}'" in said, said
    assert f"'{label}' is the account that was named kim when it shared with you" in said, said
    assert "named here by the start of its account id" in said, said
    assert "its fingerprint can no longer be compared by name" in said, said
    assert f"tj fingerprint '{label}'" not in said and f"tj verify '{label}'" not in said, said
    forget = re.search(r"discard it: `(tj forget [^`]+)`", said)
    assert forget is not None, said
    words = shlex.split(forget.group(1))[1:]
    done = await drruiz.tj(*words, "--yes")  # the command as printed works
    assert done.exit_code == 0, done.output
    assert [r["client"] for r in await drruiz.json("caseload")] == ["kim"]


async def test_a_labelled_clients_copies_with_results_are_exported_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    drruiz = await reused_unverified(live_server, tmp_path, measure=True)
    [label] = [r["client"] for r in await drruiz.json("caseload") if "(account" in r["client"]]
    said = flat((await drruiz.ok("caseload")).stderr)
    assert f"'{label}' is the account that was named kim" in said, said
    assert "The read-only copy kept here holds 1 PHQ-9 in its highest band" in said, said
    assert "keep it, and export it for your clinical records" in said, said
    export = re.search(r"\(`(tj export --client [^`]+)`\)", said)
    assert export is not None, said
    words = shlex.split(export.group(1).replace("DIR", str(tmp_path / "out")))[1:]
    done = await drruiz.tj(*words)
    assert done.exit_code == 0 and "Exported 1 entry" in done.stderr, done.output
    assert f"tj fingerprint '{label}'" not in said, said
