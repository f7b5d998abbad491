"""New terms for a member who left (`tj share J M --role ...` before a sync saw the leave)
are refused: the device takes them off the journal's access first (the server's word) and
the command's error says they left. That removal was then told a second time, as a notice at
the next sync of the same device. Now the refusal tells it once; the notice stays for what
the user did not see at the command: the owner's other device, which verifies the signed
removal, still tells it. Real server on loopback, real crypto, CliRunner."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import NOTICE_TIME
from tests.test_cli_nu24 import laptop_phone_and_therapist

REFUSED = (
    "Error: drsmith no longer reads 'Personal': the server says they left the share (not "
    "signed by them), so this device removed them from the journal's access and nothing else "
    "was changed. To share it with them again: `tj share Personal drsmith --full --role annotate "
    "--fingerprint 'FINGERPRINT'`"
)
"""The --role asked for stands in the command, with the fingerprint the chain holds (fix34b)."""


async def test_a_refused_role_after_the_member_left_is_told_once_and_on_the_other_device(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, phone, drsmith = await laptop_phone_and_therapist(live_server, tmp_path)
    await drsmith.ok("leave", "ana/Personal", "--yes")

    refused = await ana.tj("share", "Personal", "drsmith", "--role", "annotate")
    assert refused.exit_code == 1, refused.output
    assert refused.stderr.strip() == REFUSED.replace("`tj share", f"`{ana.command} share").replace(
        "FINGERPRINT", drsmith.signup["fingerprint"]
    )
    synced = await ana.ok("sync")  # told at the command: not again
    assert "drsmith" not in synced.stdout + synced.stderr, synced.stderr
    assert synced.stdout.strip() == "nothing new", synced.stdout
    [row] = await ana.json("shares")  # what `tj shares` says is kept
    assert (row["member"], row["expired"], row["dropped_at"] is not None) == (
        "drsmith",
        True,
        True,
    )

    told = await phone.ok("sync")  # the phone saw no refusal: its notice is the only telling
    notices = [line for line in told.stderr.splitlines() if line.startswith("Notice:")]
    assert len(notices) == 1, told.stderr
    assert re.match(
        rf"Notice: drsmith no longer reads Personal \({NOTICE_TIME}\): the server says ",
        notices[0],
    ), notices[0]
    assert "nothing new" in (await phone.ok("sync")).stdout  # once there too


async def test_a_refused_role_for_a_member_who_left_a_copy_says_how_to_share_it_again(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The member read only some fields (`tj share --only`) and left that copy: the refusal
    names the copy and says how to share those fields again (from the journal it copies,
    NU21 C7), not `--full` on the copy, which is refused; and it is told once."""
    ana, _, drsmith = await laptop_phone_and_therapist(live_server, tmp_path)
    await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--yes")
    await drsmith.ok("sync")
    await drsmith.ok("leave", "ana/Personal (mood, tags) for drsmith", "--yes")

    refused = await ana.tj("share", "Personal", "drsmith", "--role", "annotate")
    assert refused.exit_code == 1, refused.output
    said = " ".join(refused.stderr.split())
    assert said.startswith(
        "Error: drsmith no longer reads 'Personal (mood, tags) for drsmith': the server says "
        "they left the share (not signed by them), so this device removed them"
    ), said
    assert said.endswith(
        f"To share it with them again: `{ana.command} share Personal drsmith --only mood,tags "
        f"--role annotate --fingerprint '{drsmith.signup['fingerprint']}'`"  # as asked (fix34b)
    )
    synced = await ana.ok("sync")
    assert "drsmith" not in synced.stdout + synced.stderr, synced.stderr
    again = await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags", "--yes")
    assert "Shared only the mood and tags" in " ".join((again.stdout + again.stderr).split())
