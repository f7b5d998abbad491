"""A command whose own sync pulls a client's new safety flag never swallows it (rev30b F8):
a therapist's `tj share` of his own journal (its grant syncs first) brings ana's flag; the
next `tj sync` says it ("Earlier, fetched by other commands ..."), never only "nothing new". CLI through click's CliRunner
against a real server on loopback; ana through the SDK."""

from __future__ import annotations

from pathlib import Path

from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device


async def test_a_flag_a_therapists_share_pulled_is_told_by_the_next_sync(
    live_server: RunningServer, tmp_path: Path, signup: ClientFactory
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await new_device(live_server, tmp_path, "colleague")
    ana = await signup("ana")
    await share_with(ana, await signup("coach"), role="read")
    await ana.shares.grant(
        "Personal", "drsmith", trust_on_first_use=True, full=True, role="annotate",
        safety_flags=True,
    )  # fmt: skip
    await ana.sync()
    await drsmith.ok("sync")
    await drsmith.ok("journal", "create", "Practice")
    await ana.shares.revoke("Personal", "coach")  # ana's journal moves to a new epoch
    taken = await ana.measures.take("phq9", [0] * 8 + [2])
    await ana.safety.respond(taken.result)
    await ana.sync()
    await drsmith.ok("share", "Practice", "colleague", "--trust-on-first-use")
    synced = await drsmith.ok("sync")
    said = synced.stdout + synced.stderr
    assert "Earlier, fetched by other commands" in said, said
    assert "from ana: 1 new questionnaire result, 1 new safety flag" in said, said
