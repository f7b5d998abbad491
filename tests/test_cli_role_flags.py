"""`tj share J NAME --role read` for a member safety flags reach: said ("flags stop reaching
NAME") and asked (default no; --yes says without asking), as narrowing is (NU24 C13); `tj
shares` and `tj safety plan` say the flags stopped with the read role and that the opt-in
stands; `--role annotate` again says that flags reach them again. The therapist's `tj
safety flags` does not offer a flag to acknowledge once they only read. Real server on
loopback, real crypto, CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def flags_for_drsmith(server: RunningServer, tmp_path: Path) -> tuple[Device, Device]:
    ana = await new_device(server, tmp_path, "ana")
    drsmith = await new_device(server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "5", "A day.")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--trust-on-first-use",
    )  # fmt: skip
    return ana, drsmith


async def test_the_read_role_for_a_member_flags_reach_is_said_and_asked(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, _ = await flags_for_drsmith(live_server, tmp_path)
    refused = await ana.tj("share", "Personal", "drsmith", "--role", "read", input="n\n")
    assert refused.exit_code == 1, refused.output
    said = " ".join(refused.stderr.split())
    assert "Safety flags of Personal go to drsmith now, and flags stop reaching drsmith" in said
    assert "Your choice to send them flags stands" in said
    assert said.endswith(
        "Stop safety flags to drsmith and give them the read role on Personal? [y/N]: n Not "
        'done: you answered no to "Stop safety flags to drsmith and give them the read role '
        'on Personal?".'
    ), said
    [share] = await ana.json("shares")  # nothing changed
    assert (share["role"], share["safety_flags"]) == ("annotate", True)

    await ana.ok("share", "Personal", "drsmith", "--role", "read", input="y\n")
    [share] = await ana.json("shares")
    assert (share["role"], share["safety_flags"], share["safety_flags_read_role"]) == (
        "read",
        False,
        True,
    )
    listed = await ana.ok("shares")
    assert "no (reads only)" in " ".join(listed.stdout.split())
    footnote = " ".join(listed.stderr.split())
    assert "you chose to send drsmith safety flags for this share of Personal" in footnote
    plan = " ".join((await ana.ok("safety", "plan")).stdout.split())
    assert "flags reach no one now: not drsmith, who was opted in but only read it now" in plan
    found = await ana.json("safety", "plan")
    assert (found["flags_reach"], found["opted_in_reads_only"]) == ([], ["drsmith"])

    again = await ana.ok("share", "Personal", "drsmith", "--role", "annotate")
    assert "Safety flags: on again for drsmith." in " ".join(again.stderr.split())
    [share] = await ana.json("shares")
    assert (share["role"], share["safety_flags"]) == ("annotate", True)


async def test_with_yes_the_read_role_says_flags_stop_without_asking(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, _ = await flags_for_drsmith(live_server, tmp_path)
    done = await ana.ok("share", "Personal", "drsmith", "--role", "read", "--yes")
    said = " ".join(done.stderr.split())
    assert "flags stop reaching drsmith" in said and "[y/N]" not in said
    [share] = await ana.json("shares")
    assert (share["role"], share["safety_flags"]) == ("read", False)


async def test_a_therapist_made_read_only_is_not_offered_a_flag_to_acknowledge(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, drsmith = await flags_for_drsmith(live_server, tmp_path)
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await ana.ok("sync")
    await drsmith.ok("sync")
    assert "NOT YET" in (await drsmith.ok("safety", "flags")).stdout
    await ana.ok("share", "Personal", "drsmith", "--role", "read", "--yes")
    await drsmith.ok("sync")
    shown = " ".join((await drsmith.ok("safety", "flags")).stdout.split())
    assert "NOT YET (you only read now: you cannot mark it read)" in shown
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert flag["read_only_member"] is True
    refused = await drsmith.tj("safety", "ack", flag["id"])
    assert refused.exit_code != 0
    assert "you only read" in " ".join(refused.stderr.split())


async def test_the_annotate_role_for_a_member_never_opted_in_says_flags_are_off(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A read-only member given the annotate role is told "on again" only when the opt-in
    for their share stood while they read; never opted in, flags are off, and said so."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    again = await ana.ok("share", "Personal", "drsmith", "--role", "annotate")
    said = " ".join(again.stderr.split())
    assert "on again" not in said, said
    assert "Safety flags: off for drsmith." in said, said
    [share] = await ana.json("shares")
    assert (share["role"], share["safety_flags"]) == ("annotate", False)
