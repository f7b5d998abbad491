"""A journal shared by an account whose keys this device refused (NU43 #9: an erased
client's name taken by someone new who shares with the same therapist): `tj sync` names the
owner and the command, not "nothing is sent for this journal" and a hex id."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli_insights import new_device


async def test_a_share_from_a_refused_owner_says_who_and_what_to_do(
    live_server: RunningServer, tmp_path: Path
) -> None:
    kim = await new_device(live_server, tmp_path, "kim")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await kim.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await drruiz.ok("sync")
    await kim.ok("account", "delete", input="kim\n")
    new_kim = await new_device(live_server, tmp_path / "new", "kim")
    await new_kim.ok("share", "Personal", "drruiz", "--trust-on-first-use")

    synced = await drruiz.tj("sync")
    assert synced.exit_code == 1
    assert "1 journal shared with you not opened (below)" in synced.stdout, synced.stderr
    # wrapped under its label (NU50 F5)
    [line] = [x for x in unwrapped(synced.stderr).splitlines() if "does not open" in x]
    assert line.startswith("Warning: kim shares a journal with you that this device does not")
    assert "`tj verify kim FINGERPRINT`" in line and "nothing is sent for this journal" not in line
    reported = await drruiz.tj("sync", "--json")
    assert reported.exit_code == 1
    import json

    data = json.loads(reported.stdout)
    assert data["rollbacks"] == [] and len(data["refused_shares"]) == 1
    # NU46 #7: the caseload and `tj shared-with-me` say it too (it was said by `tj sync`
    # alone); a command that does not list clients does not repeat it
    for command in (("caseload",), ("shared-with-me",)):
        shown = await drruiz.tj(*command)
        assert shown.exit_code == 0, shown.output
        said = [x for x in unwrapped(shown.stderr).splitlines() if "does not open" in x]
        assert len(said) == 1 and said[0].startswith("Warning: kim shares a journal with you"), (
            command,
            shown.stderr,
        )
        assert "`tj verify kim FINGERPRINT`" in said[0]
    listed = await drruiz.tj("notes")
    assert "does not open" not in listed.stderr
