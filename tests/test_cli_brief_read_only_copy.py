"""`tj brief THERAPIST` beside a read-only copy of one of the client's own journals (deleted on
another device, or withheld by the server): the default brief is made of what is shared with
the therapist, and the client-only "Not in this brief" note still names what the copy holds,
a PHQ-9 item 9 above 0 first of all (real server on loopback, real crypto, the real CLI; the
hostile proxy of tests/client/hostile.py where the server withholds the journal)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from client_sdk import Client, wire
from client_sdk.errors import SUBJECTS, InvalidInput
from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import Device, laptop, phone  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device

ITEM_9 = "1,1,1,1,1,1,1,1,2"
COPY_NOTE = "in 'Dreams', a read-only copy of a journal the server no longer holds: not shareable"


def said(text: str) -> str:
    return " ".join(text.split())


async def dreams_with_item_9(ana: Device, server: RunningServer, tmp_path: Path) -> None:
    """ana keeps a PHQ-9 with item 9 answered 2 in "Dreams" (never shared) and shares
    "Personal" with drsmith."""
    await new_device(server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Dreams")
    await ana.ok("measure", "take", "phq9", "--answers", ITEM_9, "--journal", "Dreams")
    await ana.ok("write", "Slept badly again.")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")


async def assert_copy_named(ana: Device) -> None:
    """The default brief works, covers Personal alone, and its client-only note names the
    copy's PHQ-9 and its safety item; naming the copy is refused with a subject."""
    [copy] = [j for j in await ana.json("journal", "list") if j["read_only_copy"]]
    assert copy["name"] == "Dreams" and copy["own"], copy

    shown = await ana.tj("brief", "drsmith", input="n\n")
    assert shown.exit_code == 0, shown.output
    out = said(shown.stdout + shown.stderr)
    assert "Covers: 'Personal'" in out, out
    assert "Dreams" not in said(shown.stdout), shown.stdout  # the brief's own text
    assert COPY_NOTE in out, out
    note = out[out.index(COPY_NOTE) :]
    assert "PHQ-9 of " in note and "1 safety item answered above 0" in note, note

    await ana.ok("discuss")  # weighs the journals a brief may cover: the copy is not one
    done = await ana.ok("brief", "drsmith", "--yes")
    assert "Shared the brief with drsmith" in said(done.stdout + done.stderr)

    named = await ana.tj("brief", "drsmith", "--journal", copy["id"], "--json")
    assert named.exit_code == 1, named.output
    error = json.loads(named.stdout)["error"]
    assert error["subject"] == "own journal gone" and error["subject"] in SUBJECTS, error
    assert "is a read-only copy of a journal of yours the server no longer holds" in said(
        error["message"]
    ), error

    async with await Client.open(ana.home) as client:  # its digest: the client's eyes only
        [digest] = await client.briefs.read_only_copies()
        assert digest.journals == ["Dreams"] and digest.read_only_copy, digest
        assert [i["answer"] for i in digest.safety_items] == [2], digest.safety_items
        with pytest.raises(InvalidInput) as refused:
            await client.briefs.share(digest, "drsmith", trust_on_first_use=True)
        assert refused.value.subject == "own journal gone"


async def test_the_default_brief_leaves_a_deleted_journals_copy_out_and_names_what_it_holds(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """`tj brief drsmith` refused, "'Dreams' is not a journal of yours", because the read-only
    copy kept of a journal deleted on another device was weighed as a journal to brief."""
    ana = laptop
    await dreams_with_item_9(ana, live_server, tmp_path)
    await ana.ok("sync")
    await phone.ok("sync")
    await phone.ok("journal", "delete", "Dreams", "--yes")
    await ana.ok("sync")
    await assert_copy_named(ana)


def without_journal(journal_id: bytes):  # type: ignore[no-untyped-def]
    """A /v1/journals/list rewrite that leaves `journal_id` out: a server withholding it."""

    def rewrite(_request: bytes, reply: bytes) -> bytes:
        listed = wire.decode(wire.JournalList, reply)
        kept = [j for j in listed.journals if j.journal_id != journal_id]
        return wire.encode(dataclasses.replace(listed, journals=kept))

    return rewrite


async def test_a_withheld_journals_item_9_answer_is_still_named_beside_the_default_brief(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A server that withholds "Dreams" makes it a read-only copy on ana's device: the brief
    leaves it out (it is not shareable), and the note meant for ana alone still names its
    PHQ-9 with item 9 above 0, so the server cannot make her own safety answer go unsaid."""
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await dreams_with_item_9(ana, live_server, tmp_path)
    await ana.ok("sync")
    [dreams] = [j for j in await ana.json("journal", "list") if j["name"] == "Dreams"]
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(dreams["id"]))
    await ana.ok("journal", "create", "Later")  # a journal list read: "Dreams" not in it
    await ana.tj("sync")
    await assert_copy_named(ana)


async def test_brief_json_names_a_withheld_copys_item_9_answer(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The same withholding under `tj brief --json`: the brief's object (shared) and the
    declined error object carry the client-only notes as "not_in_brief", so an app driving
    the command never has the copy's item-9 answer go unsaid."""
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await dreams_with_item_9(ana, live_server, tmp_path)
    await ana.ok("sync")
    [dreams] = [j for j in await ana.json("journal", "list") if j["name"] == "Dreams"]
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(dreams["id"]))
    await ana.ok("journal", "create", "Later")
    await ana.tj("sync")
    declined = await ana.tj("brief", "drsmith", "--json", input="n\n")
    error = json.loads(declined.raw_stdout)["error"]
    assert declined.exit_code == 1 and error["subject"] == "declined", error
    shared = await ana.tj("brief", "drsmith", "--json", "--yes")
    assert shared.exit_code == 0, shared.output
    out = json.loads(shared.raw_stdout)
    for notes in (error["not_in_brief"], out["not_in_brief"]):
        [copy] = notes
        assert copy["why"] == "read-only copy" and copy["journal"] == "Dreams", notes
        assert "1 safety item answered above 0" in copy["held"], notes
        assert any(h.startswith("PHQ-9 of ") for h in copy["held"]), notes
    assert "Dreams" not in json.dumps(out["brief"]) + out["text"]  # never in what is shared


async def test_a_withheld_copys_flag_without_a_score_is_named_beside_the_brief(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A questionnaire stopped after item 9 (answered 2) in "Dreams", shared with drsmith with
    safety flags, leaves a flag and no result; a server that then withholds "Dreams" makes it
    a read-only copy: the note beside the brief (and its JSON) still names that flag."""
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("journal", "create", "Dreams")
    for journal in ("Personal", "Dreams"):
        await ana.ok(
            "share", journal, "drsmith", "--full", "--role", "annotate", "--safety-flags",
            "--fingerprint", drsmith.signup["fingerprint"],
        )  # fmt: skip
    await ana.ok("write", "Slept badly again.")
    async with await Client.open(ana.home) as client:
        response = await client.safety.respond_to_answer("phq9", 9, 2, journal="Dreams")
        assert response.flag_id is not None
        await client.sync()
    [dreams] = [j for j in await ana.json("journal", "list") if j["name"] == "Dreams"]
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(dreams["id"]))
    await ana.ok("journal", "create", "Later")
    await ana.tj("sync")
    async with await Client.open(ana.home) as client:
        [digest] = await client.briefs.read_only_copies()
        assert [(f["id"], f["answer"], f["scored"]) for f in digest.safety_flags] == [
            (response.flag_id, 2, False)
        ], digest.safety_flags
    shown = await ana.tj("brief", "drsmith", input="n\n")
    out = said(shown.stderr)
    assert COPY_NOTE in out, out
    note = out[out.index(COPY_NOTE) :]
    assert "1 safety flag of a questionnaire stopped after it (item 9 answered 2)" in note, note
    shared = json.loads((await ana.tj("brief", "drsmith", "--json", "--yes")).raw_stdout)
    [copy] = shared["not_in_brief"]
    assert copy["held"] == [
        "1 safety flag of a questionnaire stopped after it (item 9 answered 2)"
    ], copy
