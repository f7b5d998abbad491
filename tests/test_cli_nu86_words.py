"""nu86 F4, F8, F1, F2, F3, F10 (fix34k): printed commands that work as printed, in the order
printed, and words that say what is true."""

from __future__ import annotations

import re
import shlex
from datetime import date
from pathlib import Path

from cli import output
from client_sdk import departures
from client_sdk.sync import SyncReport
from tests.client.recording_proxy import recording_proxy
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device, Outage, outage  # noqa: F401 (the outage fixture)
from tests.test_cli_insights import new_device


async def test_share_again_after_leaving_a_whole_share_and_its_copy_restores_both(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu86 F4: the member held a copy of some fields and, beside it, the whole journal with
    safety flags; they left both. The commands printed, run as printed in the order printed,
    gave back the whole share and then ended it again (the `--only` one narrows): now the
    commands give back both, the copy with its role and end date, and flags reach them."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = drsmith.signup["fingerprint"]
    end = date(date.today().year + 1, 6, 30).isoformat()
    await ana.ok(
        "share", "Personal", "drsmith", "--only", "mood,tags,scores", "--until", end,
        "--role", "annotate", "--fingerprint", fingerprint, "--yes",
    )  # fmt: skip
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", fingerprint, "--yes",
    )  # fmt: skip
    before = sorted((s["journal"], s["role"], s["expires_at"]) for s in await ana.json("shares"))
    assert len(before) == 2, before
    await drsmith.ok("sync")
    await drsmith.ok("leave", "ana/Personal", "--yes")
    await drsmith.ok("leave", "ana/Personal (mood, tags, scores) for drsmith", "--yes")
    synced = unwrapped((await ana.ok("sync")).stderr)
    commands = [shlex.split(c) for c in re.findall(r"`tj (share [^`]*)`", synced)]
    assert commands, synced
    for words in commands:  # exactly as printed, in the order printed, no question answered
        assert "--only" in words or "--full" in words, words
        ran = await ana.tj(*words, input="")
        assert ran.exit_code == 0, (words, ran.output)
    after = sorted((s["journal"], s["role"], s["expires_at"]) for s in await ana.json("shares"))
    assert after == before, (after, synced)
    plan = await ana.json("safety", "plan", "--journal", "Personal")
    assert "drsmith" in plan["flags_reach"], plan


def test_share_again_names_the_copy_before_the_whole_share_it_sits_beside() -> None:
    """nu86 F4: told whole share first, copy after (as the server listed them), the copy's
    `--only` command ran second ended the whole share the first had given back."""
    report = SyncReport()
    source = "ab" * 16
    report.departures.append(
        departures.Departure(
            "drsmith", "Personal", source, departures.LEFT, 1, held_role="annotate"
        )
    )
    report.departures.append(
        departures.Departure(
            "drsmith", "Personal (mood, tags) for drsmith", "cd" * 16, departures.LEFT, 1,
            source="Personal", fields=("mood", "tags"), source_id=source, held_role="annotate",
        )
    )  # fmt: skip
    again = [output.shown(line) for line in output.departure_lines(report) if "share again" in line]
    assert [line.split("`")[1] for line in again] == [
        "tj share Personal drsmith --only mood,tags --role annotate",
        "tj share Personal drsmith --full --role annotate",
    ], again
    assert again[0].endswith(
        "(run before any --full share of 'Personal' with them: run after one, it would end that "
        "share)"
    ), again[0]


async def test_an_acknowledgement_the_server_has_not_taken_is_marked_not_sent_yet(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu86 F8: offline, `tj safety ack` then `tj safety flags` showed "acknowledged:
    drsmith ..." as done, while the client's devices could not see it yet."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    async with recording_proxy(live_server.url) as proxy:
        dr = Device(tmp_path / "dr2", proxy.url)
        await dr.ok("login", proxy.url, "drsmith")
        await dr.ok("sync")
        [flag] = (await dr.json("safety", "flags"))["flags"]
        proxy.replies["/v1/sync"] = (503, b"")
        proxy.replies["/v1/records/push"] = (503, b"")
        await dr.ok("safety", "ack", flag["id"][:12])
        shown = unwrapped((await dr.ok("safety", "flags")).stdout)
        assert "(not sent yet)" in shown, shown
        assert "ana sees the flag as read once the server takes it (`tj sync`)" in shown, shown
        del proxy.replies["/v1/sync"], proxy.replies["/v1/records/push"]
        await dr.ok("sync")
        shown = unwrapped((await dr.ok("safety", "flags")).stdout)
        assert "acknowledged" in shown and "drsmith" in shown, shown
        assert "not sent yet" not in shown, shown


async def test_safety_flags_with_only_says_the_two_commands_that_give_each(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu86 F1: `tj share --only ... --safety-flags` was refused with no next step."""
    ana = await new_device(live_server, tmp_path, "ana")
    refused = await ana.tj(
        "share", "Personal", "drsmith", "--only", "mood,tags", "--safety-flags",
        "--until", "2099-06-30",
    )  # fmt: skip
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert "nothing was changed" in said, said
    assert (
        "share every field with safety flags: `tj share Personal drsmith --full --role "
        "annotate --safety-flags`, or only those fields, without flags: `tj share Personal "
        "drsmith --only mood,tags` (each with the --role and --until you gave)"
    ) in said, said


async def test_offline_list_says_it_shows_changes_the_server_does_not_hold_yet(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """nu86 F2: offline, `tj list` said it showed "what this device had at its last sync"
    and listed entries written offline since."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "Before.")
    await ana.ok("sync")
    await outage.begin()
    said = " ".join((await ana.ok("list")).stderr.split())
    assert said.endswith("what this device had at its last sync, " + said[-17:]), said
    await ana.ok("write", "Offline one.")
    await ana.ok("mood", "7")
    listed = await ana.ok("list")
    said = " ".join(listed.stderr.split())
    assert said.endswith(
        ", and 2 changes made on this device that the server does not hold yet."
    ), said
    assert "Offline one." in listed.stdout, listed.stdout


async def test_sync_counts_the_sign_ins_it_tells_instead_of_nothing_new(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu86 F3: `tj sync` printed "nothing new" above the notices of new sign-ins."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("sync")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    synced = await ana.ok("sync")
    assert "New sign-in on this account" in unwrapped(synced.stderr), synced.stderr
    assert synced.stdout.strip() == "1 sign-in on this account (below)", synced.stdout
    again = await ana.ok("sync")
    assert again.stdout.strip() == "nothing new", again.output
