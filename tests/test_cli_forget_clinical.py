"""NU20 C10: a therapist about to discard the copy of an ended share is told what it holds
that was never seen to: an unacknowledged safety flag, a score in its questionnaire's
highest band; the question names them (default no) with a hint to export first, and the
caseload's warning about a never-verified client whose shares all ended does not suggest
discarding such copies (real server on loopback, real crypto)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cli import output
from client_sdk import INSECURE_TEST_COST, Client
from client_sdk.results import MEASURE
from tests.client.sharing_support import share_with
from tests.client.test_review_care import write_as
from tests.conftest import PASSWORD, ClientFactory, RunningServer
from tests.table_cells import column
from tests.test_cli import run_tj
from tests.test_cli_insights import new_device

SEVERE = "3,3,3,3,3,3,3,3,2"  # PHQ-9 26, severe, item 9 answered 2


async def test_forget_names_an_unacknowledged_flag_and_a_severe_score_and_asks_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    carl = await new_device(live_server, tmp_path, "carl")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await carl.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await carl.ok("measure", "take", "phq9", "--answers", SEVERE)
    await drsmith.ok("sync")
    assert [f["answer"] for f in (await drsmith.json("safety", "flags"))["flags"]] == [2]
    await carl.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")

    caseload = await drsmith.ok("caseload")
    warned = " ".join(caseload.stderr.split())
    assert "you never compared carl's fingerprint" in warned  # the test can fail
    assert "tj forget" not in warned
    assert "1 unacknowledged safety flag (PHQ-9 item 9 answered 2," in warned
    assert "1 PHQ-9 result with item 9 above 0 (answered 2," in warned  # NU50 F3
    # item 9 named beside the band too, as in every (score, band) note (NU71 F15)
    band = "1 PHQ-9 in its highest band (26, Severe; item 9 answered 2 (More than half the days)"
    assert band in warned
    # by carl's account: the kept copy's commands (REV-S9B S9B-1)
    [row] = await drsmith.json("shared-with-me")
    label = f"carl (account {row['owner_id'][:8]})"
    assert f"(`tj export --client '{label}' --out DIR`)" in warned

    [row] = await drsmith.json("shared-with-me")
    copy = "carl/Personal"  # as every list names it
    label = f"carl (account {row['owner_id'][:8]})/Personal"  # as its commands name it
    kept = await drsmith.tj("forget", "carl/Personal", "--unlisted", input="\n")  # default: no
    assert kept.exit_code == 1
    said = " ".join(kept.stderr.split())
    assert f"{copy} holds 1 unacknowledged safety flag (PHQ-9 item 9 answered 2," in said
    assert "1 PHQ-9 result with item 9 above 0 (answered 2," in said  # NU50 F3
    assert f"and {band}" in said
    export = f"`{drsmith.command} export --journal '{label}' --out DIR`"
    assert f"{export} writes it out." in said  # with the profile (NU50 F4)
    assert (
        f"Discard the copy of {copy}, with 1 unacknowledged safety flag, 1 PHQ-9 result "
        "with item 9 above 0 and 1 PHQ-9 in its highest band, from this device for good?"
    ) in said
    assert "[y/N]" in said
    assert [s["owner"] for s in await drsmith.json("shared-with-me")] == ["carl"]

    forgot = await drsmith.ok("forget", "carl/Personal", "--unlisted", "--yes")
    assert "holds 1 unacknowledged safety flag" in " ".join(forgot.stderr.split())
    assert await drsmith.json("shared-with-me") == []


async def test_a_copy_holding_nothing_unseen_is_still_suggested_for_forget(
    live_server: RunningServer, tmp_path: Path
) -> None:
    carl = await new_device(live_server, tmp_path, "carl")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await carl.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await carl.ok("measure", "take", "phq9", "--answers", "0,1,0,1,0,0,0,0,0")
    await drsmith.ok("sync")
    await carl.ok("unshare", "Personal", "drsmith", "--yes")
    await drsmith.ok("sync")
    warned = " ".join((await drsmith.ok("caseload")).stderr.split())
    [row] = await drsmith.json("shared-with-me")
    label = f"carl (account {row['owner_id'][:8]})"  # the kept copy's (REV-S9B S9B-1)
    assert f"discard them: `tj forget '{label}/Personal' --unlisted`" in warned
    asked = await drsmith.tj("forget", "carl/Personal", "--unlisted", input="n\n")
    assert "Discard the copy of carl/Personal from this device for good?" in asked.stderr
    assert "holds" not in asked.stderr


async def test_forget_names_an_invalid_result_with_item_9_above_0(
    signup: ClientFactory, live_server: RunningServer, tmp_path: Path
) -> None:
    """carl's copy holds one PHQ-9 result whose answers are not the instrument's, item 9
    answered 7 (his own build, another SDK, a corrupt record): the caseload flags it ("PHQ-9
    invalid result: item 9 above 0"), and so do `tj forget` and the caseload's
    warning of what a never-verified former client's copy holds (REV-S11B S11B-3)."""
    carl = await signup("carl")
    home = tmp_path / "dr"
    await write_as(
        carl, "Personal", MEASURE,
        {"measure": "phq9", "version": 1, "score": 4, "band": "Minimal", "taken_at": 1000,
         "answers": [0, 0, 0, 0, 0, 0, 0, 0, 7], "unscored": None, "created_at": 1000,
         "updated_at": 1000, "deleted": False},
    )  # fmt: skip
    drsmith = await Client.signup(
        live_server.url, "drsmith", PASSWORD, home=home, kdf_cost=INSECURE_TEST_COST
    )
    try:
        await share_with(carl, drsmith, role="annotate")
        await carl.sync()
        await drsmith.sync()
        await carl.shares.revoke("Personal", "drsmith")
        await drsmith.sync()
    finally:
        await drsmith.close()
    taken = output.local_time(datetime.fromtimestamp(1, tz=UTC))
    caseload = await run_tj(["--home", str(home), "caseload"])
    warned = " ".join(caseload.output.split())
    table = caseload.stdout.split("\n\n", 1)[0]  # the lines under it are no row
    [flags] = column(table, "flags")  # the flag whole in its cell, however wrapped
    assert "PHQ-9 invalid result: item 9 above 0" in flags, caseload.stdout
    assert f"1 PHQ-9 invalid result with item 9 above 0 ({taken})" in warned
    asked = await run_tj(["--home", str(home), "forget", "carl/Personal", "--unlisted"], input="\n")
    assert asked.exit_code == 1
    said = " ".join(asked.stderr.split())
    copy = "carl/Personal"  # as every list names it
    assert f"{copy} holds 1 PHQ-9 invalid result with item 9 above 0 ({taken})." in said
    assert (
        f"Discard the copy of {copy}, with 1 PHQ-9 invalid result with item 9 above 0, "
        "from this device for good?"
    ) in said
