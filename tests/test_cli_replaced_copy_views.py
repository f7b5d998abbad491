"""A field-level copy kept for the therapist that the client replaced by a new copy (`tj share
--only` with other fields) is said as replaced, naming the new copy, in `tj assignments`, `tj
shared-with-me` and the caseload, as `tj sync`'s notice says it ("a new copy"), never as "no
longer served ... or the server is withholding it". Decided on the owner-signed chains only
(`Replica.replacement`): a copy the server alone stops serving beside a share granted before
it is still the server's word. Real server on loopback, real crypto, the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r22_attacks import server_stops_serving
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device

NEW = "ben/Personal (mood, scores, answers) for drlee"
OLD = "ben/Personal (mood, scores) for drlee"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_replaced_copy_is_said_replaced_by_the_new_one_in_every_view(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    share = ("share", "Personal", "drlee", "--trust-on-first-use", "--role", "annotate")
    await ben.ok(*share, "--only", "mood,scores")
    await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await drlee.ok("sync")
    await drlee.ok("assign", "ben", "measure", "phq9", "--every", "7")
    await ben.ok("sync")
    await ben.ok("share", "Personal", "drlee", "--only", "mood,scores,answers", "--yes")
    synced = await drlee.ok("sync")
    assert "a new copy" in flat(synced.stdout + synced.stderr)

    listed = await drlee.ok("assignments")
    said = flat(listed.stdout + listed.stderr)
    assert "ben replaced it by ben's 'Personal (mood, scores, answers) for drlee'" in said, said
    assert "withholding" not in said and "may have ended or narrowed" not in said, said
    [ended] = await drlee.json("assignments", "--all")
    assert ended["share_ended"]["replaced_by"] == NEW, ended

    shared = await drlee.ok("shared-with-me")
    said = flat(shared.stdout + shared.stderr)
    assert "replaced (read-only copy)" in said and "no longer served (read-only" not in said, said
    assert f"was replaced by '{NEW}', a newer share its owner signed for you" in said, said
    assert "Once you know the share ended" not in said, said
    rows = {s["journal"]: s for s in await drlee.json("shared-with-me")}
    old = rows["Personal (mood, scores) for drlee"]
    assert (old["replaced_by"], old["unlisted"], old["share_ended"]) == (NEW, True, False)
    assert rows["Personal (mood, scores, answers) for drlee"]["replaced_by"] == ""

    caseload = await drlee.ok("caseload")
    said = flat(caseload.stdout + caseload.stderr)
    assert "no longer served" not in said and "holding it back" not in said, said


async def test_a_copy_the_server_stops_serving_beside_an_older_share_is_not_replaced(
    signup: ClientFactory, live_server: RunningServer
) -> None:
    """The whole journal was shared before the copy: the server withholding the copy is its
    word alone, never a replacement the owner signed."""
    ben, drlee = await signup("ben"), await signup("drlee")
    await share_with(ben, drlee, full=True)
    await share_with(ben, drlee, only=["mood", "scores"])  # the copy, after the whole share
    await drlee.sync()
    copy = await journal_id(drlee, OLD)
    server_stops_serving(live_server, copy, drlee.profile.account_id)
    await drlee.sync()
    [kept] = [s for s in await drlee.shares.with_me(refresh=False) if s.read_only_copy]
    assert (kept.journal_id, kept.replaced_by, kept.unlisted) == (copy.hex(), "", True)
    assert kept.access == "no longer served (read-only copy)"
