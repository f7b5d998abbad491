"""nu76 F3: kim (never verified by drsmith) shared, ended the share and erased her account;
another person signed up as kim and shared. drsmith's caseload said the server gives the
name kim to another account, and in the same output told him to compare "kim's" fingerprint
"while kim's account exists" (`tj fingerprint kim`: the new person's). Now the old account
is named by its label, in the row and the warning, which gives only the commands that act on
it. Real server on loopback, real crypto; CliRunner."""

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


async def test_a_client_whose_name_moved_is_named_by_label_with_no_fingerprint_advice(
    live_server: RunningServer, tmp_path: Path
) -> None:
    kim = await new_device(live_server, tmp_path, "kim")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await kim.ok("share", "Personal", "drsmith", TOFU)
    await kim.ok("measure", "take", "gad7", "--answers", "3,3,3,3,3,3,0")
    await drsmith.ok("sync")
    await kim.ok("unshare", "Personal", "drsmith", "--yes")
    await kim.ok("account", "delete", "--yes")
    await drsmith.ok("sync")
    other = Device(tmp_path / "kim2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "kim")
    await other.ok("share", "Personal", "drsmith", TOFU)
    done = await drsmith.ok("caseload")
    said = flat(done.stderr)
    table = flat(done.stdout)
    assert "the server now gives the name kim to another account" in said, said
    [label] = [r["client"] for r in await drsmith.json("caseload")]
    assert label.startswith("kim (account ") and label in table, (label, table)
    assert "you never compared kim's fingerprint" not in said, said
    assert "while kim's account exists" not in said, said  # its advice led to the new kim
    assert f"'{label}' is the account that was named kim when it shared with you" in said, said
    export = re.search(r"\(`(tj export --client [^`]+)`\)", said)
    assert export is not None, said
    words = shlex.split(export.group(1).replace("DIR", str(tmp_path / "out")))[1:]
    exported = await drsmith.tj(*words)
    assert exported.exit_code == 0, exported.output
