"""fix32a (rev31f F1): `tj measure take` with item 9 above 0 for a journal she opted a
therapist in for safety flags, when the answers cannot be saved and no flag is made for
them: the words say plainly that no safety flag was sent and why, tell her to contact her
therapist herself, and offer no save command that cannot work. Real server on loopback, a
hostile proxy in front of it where the server lies; CliRunner."""

from __future__ import annotations

import dataclasses
import json
import shlex
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from client_sdk import INSECURE_TEST_COST, Client, wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device
from tests.test_cli_brief_read_only_copy import without_journal
from tests.test_cli_insights import new_device
from tests.test_cli_lapsed_field_share_words import DAY_MS, move_clocks

PHQ9_ITEM9 = "0,0,0,0,0,0,0,0,2"
GONE = (
    "No safety flag was sent: 'Work' is no longer on the server (deleted on another of your "
    "devices, or withheld), so your answer could not be recorded in it and no flag could be "
    "made; this device keeps only a read-only copy of it. If you want your therapist to know, "
    "tell them yourself. Do not wait for anyone: act on the message above now."
)


def said(text: str) -> str:
    return " ".join(text.split())


def hiding(journal_id: bytes):  # type: ignore[no-untyped-def]
    """A /v1/sync rewrite that leaves out the pages of `journal_id`."""

    def rewrite(_request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [p for p in real.pages if p.journal_id != journal_id]
        return wire.encode(dataclasses.replace(real, pages=pages))

    return rewrite


async def work_shared_with_flags(ana: Device, drsmith: Device) -> str:
    """ana's journal Work, shared with drsmith (annotate) with safety flags; its id."""
    await ana.ok("journal", "create", "Work")
    await ana.ok(
        "share", "Work", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("sync")
    [work] = [j for j in await ana.json("journal", "list") if j["name"] == "Work"]
    return str(work["id"])


def assert_no_flag_said(text: str) -> None:
    assert "seals no second safety flag" not in text, text
    assert GONE in text, text


async def test_a_journal_the_server_withholds_says_no_flag_was_sent(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """rev31f F1: the server hides Work (from /v1/journals/list and /v1/sync); her device
    keeps a read-only copy of it. A take in Work with item 9 above 0 made no flag: the
    words say so and tell her to contact her therapist herself, with no save command (the
    copy takes no entry: it would be refused the same way)."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    work = bytes.fromhex(await work_shared_with_flags(ana, drsmith))
    hostile.replies["/v1/journals/list"] = without_journal(work)
    hostile.replies["/v1/sync"] = hiding(work)
    await ana.tj("measure", "take", "phq9", "--journal", "Work", "--answers", "0" + ",0" * 8)
    taken = await ana.tj("measure", "take", "phq9", "--journal", "Work", "--answers", PHQ9_ITEM9)
    text = said(taken.stderr)
    assert taken.exit_code == 1, text
    assert_no_flag_said(text)
    # no command naming Work, which refuses it the same way: one naming the journal chosen
    assert "--journal Work" not in text, text
    assert (
        "saves them in the journal NAME you choose, never twice, and makes their safety flag "
        "if you chose to send safety flags; Work takes no new entries on this device now, as "
        "the server no longer lists it (`tj sync` brings it back if the server lists it again)."
    ) in text, text
    refused = await ana.tj(
        "measure", "take", "phq9", "--journal", "Work", "--answers", PHQ9_ITEM9, "--json"
    )
    error = json.loads(refused.stdout)["error"]
    assert error["flag_sealed"] is False, error
    assert "--journal NAME" in error["save_command"], error
    del hostile.replies["/v1/journals/list"], hostile.replies["/v1/sync"]
    await ana.ok("sync")
    await drsmith.ok("sync")
    flags = await drsmith.json("safety", "flags")
    assert flags["flags"] == [], flags  # no flag was sent: the words were true
    # the command given, NAME chosen: Work again, listed since the sync: saved, and the flag
    # it said it makes reaches drsmith
    [command] = [w for w in text.split("`") if w.startswith("tj measure take")]
    words = shlex.split(command)[1:]
    words[words.index("NAME")] = "Work"
    await ana.ok(*words)
    await ana.ok("sync")
    await drsmith.ok("sync")
    assert len((await drsmith.json("safety", "flags"))["flags"]) == 1


async def test_a_journal_deleted_mid_questionnaire_says_no_flag_was_sent(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Her phone deletes Work while she answers on her laptop (the sync at item 9 learns
    it): the answers are kept in a draft; the words say no flag was sent and to tell her
    therapist herself, and the draft's command is said with --journal NAME, as the one
    naming Work is refused the same way; with NAME chosen it saves them."""
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await work_shared_with_flags(ana, drsmith)
    phone = await Client.login(
        live_server.url, "ana", PASSWORD, home=tmp_path / "phone", minimum_cost=INSECURE_TEST_COST
    )
    try:
        await phone.sync()
        syncs = [0]

        async def deleted_at_the_second_sync() -> None:  # the first: before the questions
            syncs[0] += 1
            if syncs[0] == 2:
                await phone.journals.delete("Work", discard_undelivered=True)

        hostile.holds["/v1/sync"] = deleted_at_the_second_sync
        answers = "0\n0\n0\n0\n0\n0\n0\n0\n2\n\n"
        taken = await ana.tj("measure", "take", "phq9", "--journal", "Work", input=answers)
    finally:
        await phone.close()
    del hostile.holds["/v1/sync"]
    text = said(taken.stderr)
    assert taken.exit_code == 1, text
    assert syncs[0] >= 2, syncs
    assert "Your answers were not saved: they are kept in" in text, text
    # nu81 F1: the draft's command names --journal NAME (without it, it is refused the same
    # way), and no "saving the draft sends the one they owe": fix32a's words
    assert (
        "--journal NAME` saves them in the journal NAME you choose, with the time you answered, "
        "never twice, and deletes the draft; Work takes no new entries on this device now, as "
        "the server no longer lists it (`tj sync` brings it back if the server lists it again))."
    ) in text, text
    assert "saving the draft sends" not in text, text
    assert GONE in text, text
    # nu81 F2: the message named `tj safety plan --journal Work`, refused the same way:
    # after the failed save, the command naming her default journal is said
    assert (
        "Work takes no safety plan either now: `tj safety plan --journal Personal --text 'YOUR PLAN'` "
        "writes one in your default journal."
    ) in text, text
    [draft] = list((ana.home / "drafts").glob("phq9-*.json"))
    [command] = [w for w in text.split("`") if w.startswith("tj measure take")]
    words = shlex.split(command)[1:]
    assert words[-2:] == ["--journal", "NAME"], words
    again = await ana.tj(*words[:-1], "Work")  # Work named anyway: refused again, said so
    text = said(again.stderr)
    assert again.exit_code == 1, text
    assert (
        "--journal NAME` saves it in the journal NAME you choose; Work takes no new entries on "
        "this device now"
    ) in text, text
    await ana.ok(*words[:-1], "Personal")  # NAME chosen: saved
    assert [r["journal"] for r in await ana.json("measure", "list")] == ["Personal"]
    assert not draft.exists()


async def test_a_share_past_its_end_date_says_no_flag_was_sent(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ana shares Personal with drsmith with safety flags until tomorrow; three days on, an
    answer of item 9 above 0 reaches nobody: said, with the line to tell her therapist
    herself."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    tomorrow = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--until", tomorrow, "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    taken = await ana.json("measure", "take", "phq9", "--answers", PHQ9_ITEM9)
    assert taken["flag"] is None, taken
    [line] = [s for s in taken["safety_message"]["lines"] if "safety flag" in s]
    line = said(line)
    assert line.startswith("No safety flag was sent: as of this device's last sync"), line
    assert "(drsmith: no longer shared with) reads 'Personal'" in line, line
    assert "If you want your therapist to know, tell them yourself." in line, line
    assert line.endswith("Do not wait for anyone: act on the message above now."), line
