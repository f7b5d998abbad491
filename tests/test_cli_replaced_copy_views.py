"""A field-level copy kept for the therapist that the server stops serving beside another
share of the same journal (`tj share --only` with other fields, or `--full`) is said "no longer
served" in `tj assignments` and `tj shared-with-me`, never "replaced": a removed member is not
served the owner's signed removal, and a later grant of another share is no evidence that the
owner ended the copy (the server could be withholding it). Only `tj sync`'s notice names the new
share, hedged ("most likely replaces ... the server's word"). "Replaced" is decided on the
owner-signed chains only (`Replica.replacement`). Real server on loopback, real crypto, the CLI."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_r22_attacks import server_stops_serving
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device

NEW = "ben/Personal (mood, scores, answers) for drlee"
OLD = "ben/Personal (mood, scores) for drlee"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_copy_replaced_by_another_is_said_no_longer_served_on_the_servers_word(
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
    said = flat(synced.stdout + synced.stderr)
    assert "a new copy" in said and "most likely replaces (the server's word" in said, said

    listed = await drlee.ok("assignments")
    said = flat(listed.stdout + listed.stderr)
    assert "replaced" not in said and "the server is withholding it" in said, said
    [ended] = await drlee.json("assignments", "--all")
    assert ended["share_end"]["replaced_by"] is None, ended

    shared = await drlee.ok("shared-with-me")
    said = flat(shared.stdout + shared.stderr)
    assert "replaced" not in said and "Once you know the share ended" in said, said
    rows = {s["owner_journal_name"]: s for s in await drlee.json("shared-with-me")}
    old = rows["Personal (mood, scores) for drlee"]
    assert (old["replaced_by"], old["unlisted"], old["share_ended"]) == (None, True, False)
    assert rows["Personal (mood, scores, answers) for drlee"]["replaced_by"] is None

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


async def test_a_copy_the_server_stops_serving_beside_a_newer_share_is_not_replaced(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """ben shares a copy, then the whole journal, keeping the copy on (his own chain still
    grants it): the server alone stops serving the copy. A later grant is no evidence that ben
    ended the copy: no view says "replaced" (the sync's notice hedges, "most likely")."""
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ben.ok("share", "Personal", "drlee", "--trust-on-first-use", "--only", "mood,scores")
    await ben.ok("share", "Personal", "drlee", "--full", "--yes")
    await drlee.ok("sync")
    async with await Client.open(drlee.home) as client:
        copy = await journal_id(client, OLD)
        member = client.profile.account_id
    server_stops_serving(live_server, copy, member)
    synced = await drlee.ok("sync")
    said = flat(synced.stdout + synced.stderr)
    assert "most likely replaces (the server's word: it could also be withholding it)" in said

    shown = await drlee.ok("shared-with-me")
    said = flat(shown.stdout + shown.stderr)
    assert "replaced" not in said and "Once you know the share ended" in said, said
    rows = {s["owner_journal_name"]: s for s in await drlee.json("shared-with-me")}
    old = rows["Personal (mood, scores) for drlee"]
    assert (old["journal_id"], old["replaced_by"], old["unlisted"]) == (copy.hex(), None, True)
    async with await Client.open(drlee.home) as client:
        [kept] = [s for s in await client.shares.with_me(refresh=False) if s.read_only_copy]
        assert (kept.replaced_by, kept.access) == ("", "no longer served (read-only copy)")
