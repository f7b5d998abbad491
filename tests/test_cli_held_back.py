"""NU47 #1 and #2: a therapist whose clients share more than the 512 KiB this device downloads
for owners whose fingerprint was not compared (hold_back.py). `tj sync` reported the honest
server as withholding records (exit 3); `tj caseload`, `tj safety flags`, `tj briefs`, `tj
measure list` and `tj list` presented what was not downloaded as absent ("no shared entries
yet", "No safety flags." while farid's flag sat in a journal held back, "shows after `tj
sync`"). Each view now says which clients' journals are not all downloaded, and `tj verify`.

The therapist tom uses the CLI; the clients the SDK, on the same real server on loopback,
real crypto."""

from __future__ import annotations

import json
from pathlib import Path

import nacl.utils
import pytest

from client_sdk import Client
from client_sdk.caseload import HELD_BACK
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli import Device

pytestmark = pytest.mark.usefixtures("uncompressed_records")  # records as large as their text

ENTRIES = 160  # history and fresh snapshots of one client pass the budget together
ITEM_9 = [2] * 9


@pytest.fixture
async def tom(live_server: RunningServer, tmp_path: Path) -> Device:
    device = Device(tmp_path / "tom", live_server.url)
    device.signup = await device.json("signup", live_server.url, "tom")
    return device


async def sharing(signup: ClientFactory, name: str, entries: int = ENTRIES) -> Client:
    """`name` writes `entries` entries of about 1.2 KB, then shares Personal with tom as `tj
    share --safety-flags` does once the user agreed to share all of it (`full=True`: with
    safety flags, `full_if_new` is refused, NotReadingNow, rev31b F1), trusting tom on first
    use, with safety flags opted in."""
    client = await signup(name)
    for n in range(entries):
        await client.entries.write("Personal", nacl.utils.random(600).hex(), title=f"day {n}")
    await client.sync()
    await client.shares.grant(
        "Personal",
        "tom",
        role="annotate",
        trust_on_first_use=True,
        full=True,
        safety_flags=True,
    )
    await client.sync()
    return client


def words(text: str) -> str:
    return " ".join(text.split())


async def test_views_say_which_clients_are_not_all_downloaded(
    tom: Device, signup: ClientFactory
) -> None:
    await sharing(signup, "ana")
    await sharing(signup, "ben")
    first = await tom.tj("sync")
    assert first.exit_code == 0, first.output  # NU47 #1: was 3, "withholding records"
    assert "withholding" not in first.output
    # farid shares once the budget is spent: his journal is held back whole; his PHQ-9
    # answers item 9 with 2, which seals a safety flag for tom, and he sends a brief
    farid = await sharing(signup, "farid", entries=3)
    taken = await farid.measures.take("phq9", ITEM_9)
    assert (await farid.safety.respond(taken.result)).flagged_to == ["tom"]
    await farid.briefs.share(await farid.briefs.prepare(journals=["Personal"]), "tom")
    await farid.sync()
    again = await tom.tj("sync")
    assert again.exit_code == 0, again.output
    assert "withholding" not in again.output

    flags = await tom.ok("safety", "flags")
    assert "No safety flags in what this device downloaded." in flags.output
    said = words(flags.stderr)
    assert (
        "Not all downloaded: the journals of 3 clients whose fingerprints you have not "
        "compared (ana, ben and farid): safety flags in them may not show until you compare "
        "fingerprints (`tj verify NAME FINGERPRINT`; `BARE tj fingerprint NAME` on their device)."
    ) in said

    rows = {row["client"]: row for row in await tom.json("caseload")}
    brief, personal = rows["farid"]["held_back"]  # his brief's journal too
    assert brief.startswith("farid/Brief ") and personal == "farid/Personal"
    ids = {j["name"]: j["journal_id"] for j in await tom.json("shared-with-me")}
    _, personal_id = rows["farid"]["held_back_ids"]  # each named with its id, in order
    assert personal_id == ids["farid/Personal"], rows["farid"]
    assert HELD_BACK in rows["farid"]["flags"]
    for row in rows.values():
        assert not any(flag.startswith("no shared entr") for flag in row["flags"]), row
    table = await tom.ok("caseload")
    assert "not all downloaded" in table.stdout and "no shared entr" not in table.stdout
    assert "entries, scores, safety flags and briefs in them may not show" in words(table.stderr)

    briefs = await tom.ok("briefs")
    assert "briefs in them may not show until you compare fingerprints" in words(briefs.stderr)
    results = await tom.ok("measure", "list", "--journal", "farid/Personal")
    assert "No results in what this device downloaded." in results.output
    assert words(results.stderr).endswith(
        "Not all downloaded: farid's journals: results in them may not show until you compare "
        "farid's fingerprint (`tj verify farid FINGERPRINT`; `BARE tj fingerprint farid` on their "
        "device)."
    )
    listed = await tom.ok("list", "--journal", "farid/Personal")
    assert words(listed.output) == (
        "No entries of farid/Personal downloaded: this device stopped downloading what farid "
        "shares until you compare farid's fingerprint (`tj verify farid FINGERPRINT`; `BARE tj "
        "fingerprint farid` on their device)."
    )
    everything = await tom.ok("list")
    assert "entries in them may not show" in words(everything.stderr)

    # once farid's fingerprint is compared, his journal downloads: the flag shows
    await tom.ok("verify", "farid", await farid.shares.fingerprint())
    await tom.ok("sync")
    [flag] = (await tom.json("safety", "flags"))["flags"]
    assert flag["owner"] == "farid"
    after = words((await tom.ok("safety", "flags")).stderr)
    assert "(ana and ben)" in after and "farid" not in after.split("Not all downloaded")[-1]
    rows = {row["client"]: row for row in await tom.json("caseload")}
    assert rows["farid"]["held_back"] == [] and HELD_BACK not in rows["farid"]["flags"]
    assert rows["farid"]["held_back_ids"] == []
    assert json.dumps(rows["ana"]["held_back"]) == '["ana/Personal"]'


async def test_sync_says_every_journal_held_back_in_one_notice(
    tom: Device, signup: ClientFactory
) -> None:
    """NU47 #3: a notice of about 330 characters per journal held back, at every sync (52 of
    them for 30 clients), buried everything else `tj sync` said. cas shares once ana's and
    ben's journals spent the budget, so his is held back whole."""
    await sharing(signup, "ana")
    await sharing(signup, "ben")
    owners = ["ana and ben", "ana, ben and cas", "ana, ben and cas"]
    for n, names in enumerate(owners):  # the first sync that meets them, and later ones
        if n == 1:
            await sharing(signup, "cas", entries=3)
        synced = await tom.tj("sync")
        assert synced.exit_code == 0, synced.output
        said = words(synced.stderr)
        assert said.count("Notice: not downloading") == 1 and "Notice: journal" not in said
        count = names.count(",") + 2
        assert (
            f"Notice: not downloading all of {count} journals of {count} people whose "
            f"fingerprints this account has not verified ({names}): this device stopped at the "
            "512 KiB it downloads for all owners not verified. If you know them, compare "
            "fingerprints and run `tj verify NAME FINGERPRINT` (`BARE tj fingerprint NAME` on their "
            "device); the next sync downloads the rest"
        ) in said
