"""A new user's findings (NU71): the notes that sum a result up by its score and band never
drop item 9 (F15), a sync inside another command says a held safety flag has now left (F6),
a field-level share past its end date says what it no longer carries (F13), `--json` has the
flags that left or are held (F14, F3), caseload rows carry the client's account id (F1), and
two flags of one minute are told apart (F4). Real server on loopback."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import PASSWORD, Device, Outage, laptop, outage, phone  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_lapsed_field_share_words import DAY_MS, move_clocks
from tests.test_cli_nu52_findings import TOFU, flat

ITEM_9_ONE = "0,0,0,0,0,0,0,0,1"  # score 1, None-minimal; item 9 "Several days"


async def test_assigning_a_phq9_after_one_with_item_9_names_it_and_suggests_no_wait(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F15: after a PHQ-9 of score 1 with item 9 answered 1, `tj assign` said "(1,
    None-minimal)" and how to put the next one off two weeks. Now it names item 9 as `tj
    measure show` does and suggests no wait; a second one-off assigned with --yes is said."""
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cleo.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await cleo.ok("measure", "take", "phq9", "--answers", ITEM_9_ONE)
    await drsmith.ok("sync")
    assigned = await drsmith.ok("assign", "cleo/Personal", "measure", "phq9", "--yes")
    said = flat(assigned.stderr)
    assert "(1, None-minimal; item 9 answered 1 (Several days), above 0)" in said, said
    assert "needs further assessment for suicide risk" in said, said
    assert "not one to put off" in said, said
    assert "--starts" not in said and "assignments cancel" not in said, said
    assert "already has" not in said, said  # the first one

    again = await drsmith.ok("assign", "cleo/Personal", "measure", "phq9", "--yes")
    said = flat(again.stderr)
    [first, second] = await drsmith.json("assignments")
    older, newer = sorted([first, second], key=lambda a: a["created_at"])
    assert f"Note: cleo/Personal already has PHQ-9 once ({older['id'][:12]})" in said, said
    assert (
        f"so the client is asked for it twice: `tj assignments cancel {newer['id'][:12]}`" in said
    )


async def test_a_result_without_item_9_still_offers_to_wait_and_deleting_names_item_9(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The note without item 9 still offers to put it off (NU52 F6); `tj measure delete`'s
    question names item 9 of the result it deletes."""
    cleo = await new_device(live_server, tmp_path, "cleo")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await cleo.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    taken = await cleo.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,0")
    await drsmith.ok("sync")
    said = flat((await drsmith.ok("assign", "cleo/Personal", "measure", "phq9")).stderr)
    assert "(5, Mild); it asks about the last 2 weeks, so this one may repeat it:" in said
    assert "assignments cancel" in said, said
    flagged = await cleo.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,2")
    asked = await cleo.tj("measure", "delete", flagged["id"], input="n\n")
    assert "(score 7, Mild; item 9 answered 2 (More than half the days), above 0)" in flat(
        asked.stderr
    ), asked.stderr
    asked = await cleo.tj("measure", "delete", taken["id"], input="n\n")
    assert "(score 5, Mild) for good" in flat(asked.stderr), asked.stderr


async def test_assigning_a_phq9_after_one_shared_without_its_answers_suggests_no_wait(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F15: a PHQ-9 in a copy of mood and scores comes without its answers: whether its item
    9 was above 0 is not known, so the note says so and suggests no wait either."""
    ben = await new_device(live_server, tmp_path, "ben")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ben.ok(
        "share", "Personal", "drsmith", "--only", "mood,scores", "--role", "annotate", TOFU
    )
    await ben.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,0,0,0,0")
    await drsmith.ok("sync")
    said = flat((await drsmith.ok("assign", "ben", "measure", "phq9")).stderr)
    assert "(5, Mild; item 9 not shared)" in said, said
    assert "whether its item 9 was answered above 0 is not known to you" in said, said
    assert "not one to put off" in said and "assignments cancel" not in said, said


async def test_a_flag_held_on_a_signed_out_phone_is_said_to_leave_at_its_login(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    """F6: the phone, told twice its flag had NOT left, signed in again: its login's sync sent
    the flag and said only "Synced". Now it says the flag left, told apart by its item-9
    answer and id (F4); the revoke question names what the phone wrote since it last synced."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await phone.ok("sync")
    await outage.begin()
    await phone.tj("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    await outage.end()
    [row] = [d for d in await laptop.json("devices") if d["name"] == "phone"]
    asked = await laptop.tj("devices", "revoke", "phone", input="n\n")
    assert "Anything written on it since it last synced (" in flat(asked.stderr), asked.stderr
    assert "a safety flag too, never reaches your other devices" in flat(asked.stderr)
    await laptop.ok("devices", "revoke", row["id"][:8], "--yes")
    held = flat((await phone.tj("sync")).stderr)
    assert "has NOT left this device" in held, held
    again = await phone.tj("login", live_server.url, "ana", env={"TJ_PASSWORD": PASSWORD})
    said = flat(again.stderr)
    assert again.exit_code == 0, said
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert (
        f"Safety: The safety flag of your PHQ-9 of {flag['raised_at'][:10]}" in said
        and f"(item 9 answered 2; flag {flag['id'][:8]}) has now left this device: the "
        "server acknowledged it, so drsmith can get it at their next sync"
        in said
    ), said
    assert "has now left" not in (await phone.tj("sync")).stderr  # said once


async def test_sync_json_lists_the_flags_that_left_and_a_quick_sync_says_so(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    """F14: `tj sync --json` had no field for a held flag that left; a command's quick sync
    said nothing of it either (F6). Two flags of one minute are told apart (F4)."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await outage.begin()
    first = await laptop.json("measure", "take", "phq9", "--answers", ITEM_9_ONE)
    await outage.end()
    synced = await laptop.json("sync")
    [sent] = synced["flags_sent"]
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    assert sent["id"] == flag["id"] and sent["result_id"] == first["id"], sent
    assert sent["members"] == ["drsmith"] and sent["journal_id"] == first["journal_id"], sent
    assert (await laptop.json("sync"))["flags_sent"] == []  # once

    await outage.begin()
    await laptop.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    await laptop.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    await outage.end()
    written = flat((await laptop.ok("write", "After the outage")).stderr)
    assert written.count("has now left this device") == 2, written
    assert "(item 9 answered 3; flag " in written and "(item 9 answered 2; flag " in written


async def test_a_failed_sync_json_carries_the_unsent_flags_as_rows(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    """F3: with the server down, `tj sync --json` said the held flag only inside the error's
    message: its error object now has `unsent_flags`, the rows of `tj safety flags --json`."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await outage.begin()
    taken = await laptop.json("measure", "take", "phq9", "--answers", ITEM_9_ONE)
    assert taken["flag"]["status"] == "not sent" and taken["flag"]["members"] == ["drsmith"]
    failed = await laptop.tj("sync", "--json")
    error = json.loads(failed.raw_stdout)["error"]
    assert error["subject"] == "network" and failed.exit_code == error["exit_status"] == 1
    [row] = error["unsent_flags"]
    assert row == next(iter((await laptop.json("safety", "flags"))["flags"]))
    assert (row["status"], row["result_id"], row["answer"]) == ("not sent", taken["id"], 1)
    assert row["id"] == taken["flag"]["id"], row
    other = await laptop.tj("list", "--json")  # another command's error has no such key
    assert "unsent_flags" not in other.raw_stdout
    await outage.end()
    online = await laptop.json("measure", "take", "phq9", "--answers", ITEM_9_ONE)
    assert online["flag"]["status"] == "sent", online["flag"]
    calm = await laptop.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    assert calm["flag"] is None


async def test_a_result_taken_while_a_copy_had_ended_is_said_unseen_and_at_its_renewal(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F13: a PHQ-9 taken after a copy of mood and scores passed its end date never reached
    the therapist, also after renewal, and nobody said so. Now the take says so with the
    command that sends it, and the renewal names what the copy does not carry; nothing is
    sent without the client (the owner decides)."""
    ana = await new_device(live_server, tmp_path, "ana")
    tom = await new_device(live_server, tmp_path, "tom")
    tomorrow = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--until", tomorrow,
        "--fingerprint", tom.signup["fingerprint"],
    )  # fmt: skip
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    taken = await ana.tj("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    said = flat(taken.stderr)
    [result] = await ana.json("measure", "list")
    assert (
        "tom does not see this PHQ-9: your share of the mood and scores of Personal with them "
        "passed its end date (" in said
    ), said
    assert "renewing it does not send a result taken while it had ended" in said, said
    assert f"`tj measure share {result['id'][:12]} tom" in said, said
    wrote = await ana.ok("write", "--mood", "2", "Rough evening")
    said = flat(wrote.stderr)
    entry = wrote.stdout.strip()
    assert "tom does not see its mood: your share of the mood and scores of Personal" in said
    assert f"`tj share-entry {entry[:12]} tom --only mood` sends it" in said, said

    later = f"{datetime.now() + timedelta(days=10):%Y-%m-%d}"
    renewed = flat((await ana.ok("share", "Personal", "tom", "--until", later, "--yes")).stderr)
    assert "(renewed: it had ended on its end date" in renewed, renewed
    assert "Not shared: 1 questionnaire result (the result dated before it began or written " in (
        renewed
    ), renewed
    assert "renewing it does not send it, so tom does not see it" in renewed, renewed
    assert f"`tj measure share {result['id'][:12]} tom" in renewed, renewed
    await tom.ok("sync")
    assert await tom.json("measure", "list") == []  # not sent without the client
    await ana.ok("share-entry", entry[:12], "tom", "--only", "mood", "--yes")  # as named
    await ana.ok("measure", "share", result["id"][:12], "tom", "--yes")
    await tom.ok("sync")
    assert [r["score"] for r in await tom.json("measure", "list")] == [9]  # sent as its copy
    assert [e["mood"] for e in await tom.json("list")] == [2]


async def test_caseload_rows_carry_the_clients_account_id(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1: a caseload row named its client only by a display name that changes form; its
    `client_id` is the account id (`tj whoami --json`'s `account_id`), in the SDK too."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--role", "annotate", TOFU)
    await drsmith.ok("sync")
    [row] = await drsmith.json("caseload")
    assert row["client"] == "ana" and row["client_id"] == (await ana.json("whoami"))["account_id"]


async def test_the_brief_tells_two_flags_of_one_minute_apart(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: two flags raised in one minute read word for word the same in the brief; each now
    names its item-9 answer and the start of its id (as `tj safety ack` takes it)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9_ONE)
    flags = {f["answer"]: f["id"] for f in (await ana.json("safety", "flags"))["flags"]}
    shown = flat((await ana.ok("brief", "drsmith", input="n\n")).stdout)
    for answer, flag_id in flags.items():
        assert f"(item 9 answered {answer}; flag {flag_id[:8]}): not acknowledged yet" in shown
