"""NU23 C8, the whole kind: a command that asks "...? [y/N]" checks first that it may do it,
and asks after. A therapist reading a client's journal was asked "Move the entry ... to the
trash?", "Delete the PHQ-9 ...?", "Delete the goal ...?", "Delete the check-in ...?" or
"Delete the Behavioural activation ...?" and only after a "y" told that the client's journal
is not theirs to change. Real server on loopback, real crypto."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Outage, outage

__all__ = ["outage"]  # a fixture
from tests.test_cli_insights import new_device


async def test_a_change_this_account_may_not_make_is_refused_before_the_question(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    entry = (await ana.ok("write", "Hello there.")).stdout.strip()
    result = await ana.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    goal = (await ana.ok("goal", "add", "Walk daily")).stdout.strip()
    await ana.ok("goal", "checkin", goal)
    homework = await ana.json(
        "homework", "add", "behavioural-activation", "--set", "activity=Walk",
        "--set", "planned=yes", "--set", "done=no", "--completion", "not done",
    )  # fmt: skip
    await ana.ok("sync")
    await drsmith.ok("sync")
    result_id = result["result"]["id"] if "result" in result else result["id"]
    for command in (
        ("delete", entry[:8]),
        ("measure", "delete", result_id[:8]),
        ("goal", "delete", goal[:8]),
        ("goal", "undo", goal[:8]),
        ("homework", "delete", homework["id"][:8]),
    ):
        refused = await drsmith.tj(*command, input="y\n")
        assert refused.exit_code == 1, (command, refused.output)
        assert "[y/N]" not in refused.stderr, (command, refused.stderr)
        [error] = [line for line in refused.stderr.splitlines() if line.startswith("Error: ")]
        assert "only" in error, (command, error)  # "may only add notes", "only the ... owner"
    typed = await drsmith.tj("journal", "delete", "ana/Personal", input="ana/Personal\n")
    assert typed.exit_code == 1 and "Type its name" not in typed.stderr, typed.stderr
    assert "Error: only the owner of " in typed.stderr
    # Nothing changed, and ana's own commands still ask.
    assert [e["id"] for e in await ana.json("list")] == [entry]
    asked = await ana.tj("goal", "delete", goal[:8], input="n\n")
    assert asked.exit_code == 1 and "Delete the goal 'Walk daily'" in asked.stderr
    asked = await ana.tj("delete", entry[:8], input="n\n")
    assert asked.exit_code == 1 and "to the trash? [y/N]: n" in asked.stderr


async def test_leave_needs_the_server_and_says_so_before_the_question(
    live_server: RunningServer, tmp_path: Path, outage: Outage
) -> None:
    """`tj leave` asked "Leave ana/Personal? ... [y/N]" and only after a "y" said that the
    server cannot be reached (leaving is the server's to do)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await drsmith.ok("sync")
    await outage.begin()
    refused = await drsmith.tj("leave", "ana/Personal", input="y\n")
    assert refused.exit_code != 0 and "[y/N]" not in refused.stderr, refused.stderr
    await outage.end()
    asked = await drsmith.tj("leave", "ana/Personal", input="n\n")
    assert asked.exit_code == 1 and "Leave ana/Personal?" in asked.stderr
    await drsmith.ok("leave", "ana/Personal", input="y\n")
    left = await drsmith.json("shared-with-me")
    assert all(j["share_ended"] for j in left), left


async def test_unshare_needs_the_server_and_says_so_before_the_safety_question(
    live_server: RunningServer, tmp_path: Path, outage: Outage
) -> None:
    """NU24 C2: offline, `tj unshare` showed what the therapist may not have received, asked
    "Stop sharing Personal with drsmith anyway?" and only after a "y" said that the server
    cannot be reached (unsharing is the server's to do at once). So did `tj share --only`."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--trust-on-first-use",
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    await drsmith.ok("sync")
    await outage.begin()
    for command in (
        ("unshare", "Personal", "drsmith"),
        ("share", "Personal", "drsmith", "--only", "mood"),
    ):
        refused = await ana.tj(*command, input="y\n")
        assert refused.exit_code == 1, (command, refused.output)
        assert "[y/N]" not in refused.stderr and "anyway?" not in refused.stderr, refused.stderr
        assert "may not have received" not in refused.stderr, refused.stderr
        [error] = [line for line in refused.stderr.splitlines() if line.startswith("Error: ")]
        assert "cannot reach the server" in error, error
    await outage.end()
    assert [s["member"] for s in await ana.json("shares")] == ["drsmith"]  # nothing ended
    asked = await ana.tj("unshare", "Personal", "drsmith", input="n\n")
    assert asked.exit_code == 1 and "may not have received this from Personal" in asked.stderr
    assert "Stop sharing Personal with drsmith anyway? [Y/n]" in asked.stderr
    await ana.ok("unshare", "Personal", "drsmith", input="y\n")
    assert await ana.json("shares") == []
