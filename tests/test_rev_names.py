"""REV-NAMES: hostile review of NU46 #1/#2 (two accounts named "kim" on one device, the name
suffix "kim (account 1a2b3c4d)" and the name resolution that accepts it).

Each test failed on the weakness it names (REV-NAMES F1, fixed: a label counts the digits of
every account that bore the name, `models.label_digits`; F2, fixed: a private note keeps its
client's account id, `--client` filters by it, and `forget` stamps it on older notes)."""

from __future__ import annotations

import json
import shlex
import types
from pathlib import Path

import pytest

from client_sdk import Client, crypto, keys
from client_sdk import account as account_module
from client_sdk.documents import PRIVATE_NOTE, Document
from client_sdk.models import account_names, now_ms
from client_sdk.private_notes import JOURNAL_NAME, PrivateNote, note_view
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_nu46_two_kims import flat, two_kims


def choose_next_account_id(monkeypatch: pytest.MonkeyPatch, account_id: bytes) -> None:
    """Make the next signup on this process pick `account_id` (a client chooses its own id
    at signup: a malicious new "kim" can pick one that begins as the erased kim's)."""
    calls = {"n": 0}

    def random_bytes(n: int) -> bytes:
        calls["n"] += 1
        # new_account: salt first, then the account id
        if calls["n"] == 2 and n == len(account_id):
            return account_id
        return crypto.random_bytes(n)

    proxy = types.SimpleNamespace(
        **{k: getattr(crypto, k) for k in dir(crypto) if not k.startswith("__")}
    )
    proxy.random_bytes = random_bytes
    monkeypatch.setattr(account_module, "crypto", proxy)


async def twin_kims(
    server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Device, Device, str, str]:
    """kim shares Personal with drlee, who verifies her; kim erases her account; a new "kim"
    signs up with an account id whose first 8 hex digits are the erased kim's, shares
    Personal with drlee, who verifies her (as the NU46 walkthrough). Returns (drlee,
    new kim, old account hex, new account hex)."""
    kim = await new_device(server, tmp_path, "kim")
    drlee = await new_device(server, tmp_path, "drlee")
    await kim.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await kim.ok("write", "--mood", "2", "The first kim's words.")
    await drlee.ok("sync")
    await drlee.ok("verify", "kim", (await kim.ok("fingerprint")).stdout.strip())
    await drlee.ok("sync")
    [journal] = [j for j in await drlee.json("journal", "list") if j["name"] == "kim/Personal"]
    old = journal["owner_id"]
    await kim.ok("account", "delete", "--yes")
    await drlee.ok("caseload")
    twin = bytes.fromhex(old[:8] + "f" * 24)
    choose_next_account_id(monkeypatch, twin)
    new_kim = Device(tmp_path / "kim2", server.url)
    new_kim.signup = await new_kim.json("signup", server.url, "kim")
    monkeypatch.undo()
    await new_kim.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await new_kim.ok("write", "--mood", "9", "I'm the new kim.")
    await drlee.tj("sync")
    await drlee.ok("verify", "kim", (await new_kim.ok("fingerprint")).stdout.strip(), "--yes")
    await drlee.ok("sync")
    owners = {j["owner_id"] for j in await drlee.json("journal", "list") if j["owner"] == "kim"}
    assert owners == {old, twin.hex()}, owners
    return drlee, new_kim, old, twin.hex()


# --- F1: the 8-digit form always accepted names the pinned twin's live journal ---------------


def test_account_names_tells_a_twin_from_the_name_holder_too() -> None:
    """Pure: with the new kim (id chosen to begin as the erased kim's) holding the plain
    name, the erased kim is shown with 8 digits only, "kim (account 1a2b3c4d)", which is also
    the 8-digit form `Context.names` always accepts for the *holder's* journal."""
    old = "1a2b3c4d" + "0" * 24
    twin = "1a2b3c4d" + "f" * 24
    shown = account_names({old: ("kim", False), twin: ("kim", True)}, {twin})
    assert shown[twin] == "kim"
    # the label must not be a form that also names the twin (Context.names/_owners accept
    # account_label(username, id) with 8 digits for every account)
    assert shown[old] != f"kim (account {twin[:8]})", shown


async def test_the_printed_forget_name_of_the_erased_kims_copy_never_names_the_twins_journal(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new "kim" picks an account id beginning as the erased kim's. drlee's device shows
    the erased kim's copy as "kim (account 1a2b3c4d)/Personal" (8 digits: only one account is
    suffixed) and prints `tj forget 'kim (account 1a2b3c4d)/Personal' --unlisted`; but that
    name is also the 8-digit form `Context.names` accepts for the new kim's live journal, and
    live journals are searched first: `tj list --journal` of it shows the *new* kim's
    entries."""
    drlee, _, old, twin = await twin_kims(live_server, tmp_path, monkeypatch)
    rows = {row["owner_id"]: row for row in await drlee.json("shared-with-me")}
    old_name = rows[old]["name"]
    assert rows[twin]["name"] == "kim/Personal"
    table = flat((await drlee.ok("shared-with-me")).stdout)
    assert f"`tj forget {shlex.quote(old_name)} --unlisted`" in table
    listed = await drlee.tj("list", "--journal", old_name, "--json")
    # Either the erased kim's words, or a refusal; never the new kim's entries under it.
    if listed.exit_code == 0:
        bodies = [e["body"] for e in json.loads(listed.stdout)]
        assert bodies == ["The first kim's words."], (old_name, bodies)


async def test_leave_by_the_erased_kims_shown_name_never_leaves_the_twins_share(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tj leave "kim (account 1a2b3c4d)/Personal"` (the erased kim's copy as shown) left the
    new kim's live share: the name resolved to the twin's live journal."""
    drlee, _, old, twin = await twin_kims(live_server, tmp_path, monkeypatch)
    old_name = {r["owner_id"]: r["name"] for r in await drlee.json("shared-with-me")}[old]
    await drlee.tj("leave", old_name, "--yes")
    rows = {r["owner_id"]: r for r in await drlee.json("shared-with-me")}
    assert twin in rows and rows[twin]["share_ended"] is False, rows


async def test_a_private_note_about_the_erased_kim_by_her_shown_name_is_filed_about_her(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tj private-notes add "kim (account 1a2b3c4d)" ...` (the erased kim as shown) filed the
    note about the new kim's journal: `_owners` accepts the 8-digit form for both accounts and
    the live one wins."""
    drlee, _, old, twin = await twin_kims(live_server, tmp_path, monkeypatch)
    old_name = {r["owner_id"]: r["name"] for r in await drlee.json("shared-with-me")}[old]
    owner = old_name.rsplit("/", 1)[0]
    added = await drlee.tj("private-notes", "add", owner, "About the erased kim.")
    if added.exit_code == 0:
        journals = {j["owner_id"]: j["id"] for j in await drlee.json("journal", "list")}
        [note] = await drlee.json("private-notes")
        assert note["journal_id"] == journals[old], (note, journals)


# --- F2: a note about a journal no longer on the device keeps the words it was written with --


async def test_forgetting_the_erased_kims_copy_merges_her_private_notes_into_the_new_kims(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The note drlee filed about the first kim (while she was the only kim: stored as client
    "kim", journal "kim/Personal") is renamed only while her copy is on the device. Once drlee
    runs the very `tj forget ... --unlisted` the app prints for that copy, `tj private-notes
    --client kim` lists the erased kim's note beside the new kim's intake: two people read as
    one again (NU46 #2 undone)."""
    kims = await two_kims(live_server, tmp_path)
    drlee = kims.drlee
    await drlee.ok("forget", kims.old, "--unlisted", "--yes")
    notes = await drlee.json("private-notes", "--client", "kim")
    assert [n["text"] for n in notes] == ["New client intake."], notes


async def old_note(device: Device, journal_id: str, text: str) -> str:
    """A private note as drlee's device wrote it before notes kept the client's account id
    (while the first kim was the only kim): client "kim", journal "kim/Personal"."""
    async with await Client.open(device.home) as client:
        replica = client.replica
        me = replica.profile.account_id
        [target] = [j for j in await client.store.journals() if j.name == JOURNAL_NAME]
        document = Document(keys.new_doc_id(me), PRIVATE_NOTE)
        fields = {
            "client": "kim",
            "journal": "kim/Personal",
            "journal_id": journal_id,
            "created_at": now_ms() - 60_000,
        }
        await replica.commit(target, document, document.change(fields=fields, texts={"text": text}))
        return document.doc_id.hex()


async def test_an_older_note_without_the_account_id_is_read_and_stamped_before_forget(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A note written before notes kept the client's account id still reads (client_id
    null), under the name this device gives its journal while the copy is here; `tj forget`
    of that copy first writes the erased kim's account id and label into it, so once the copy
    is gone `--client kim` lists the new kim's note alone and the old one stays hers."""
    kims = await two_kims(live_server, tmp_path)
    drlee = kims.drlee
    journals = {j["name"]: j for j in await drlee.json("journal", "list")}
    note_id = await old_note(drlee, journals[kims.old]["id"], "Written before the account id.")
    [before] = [n for n in await drlee.json("private-notes") if n["id"] == note_id]
    assert (before["client_id"], before["journal"]) == (None, kims.old)
    await drlee.ok("forget", kims.old, "--unlisted", "--yes")
    notes = await drlee.json("private-notes", "--client", "kim")
    assert [n["text"] for n in notes] == ["New client intake."], notes
    assert notes[0]["client_id"] == journals["kim/Personal"]["owner_id"]
    [after] = [n for n in await drlee.json("private-notes") if n["id"] == note_id]
    assert (after["client_id"], after["journal"]) == (kims.old_account, kims.old)
    hers = await drlee.json("private-notes", "--client", kims.old.split("/", 1)[0])
    assert {n["text"] for n in hers} == {"Written before the account id.", "About the earlier kim."}


async def test_an_older_note_without_the_account_id_still_reads_without_a_forget(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """No forget: the older note is listed under its journal's present name and `--client
    kim` (the new kim) leaves it out, as before the account id was kept (NU46 #2)."""
    kims = await two_kims(live_server, tmp_path)
    drlee = kims.drlee
    [journal] = [j for j in await drlee.json("journal", "list") if j["name"] == kims.old]
    note_id = await old_note(drlee, journal["id"], "Written before the account id.")
    notes = await drlee.json("private-notes", "--client", "kim")
    assert [n["text"] for n in notes] == ["New client intake."], notes
    [old] = [n for n in await drlee.json("private-notes") if n["id"] == note_id]
    assert (old["client"], old["client_id"]) == (kims.old.split("/", 1)[0], None)


def test_a_notes_account_id_is_read_strictly() -> None:
    """Absent (an older note): read, `client_id` None; present: 32 lowercase hex digits, or
    the note is malformed and not read."""
    base = {"client": "kim", "journal": "kim/Personal", "journal_id": "ab" * 16}

    def view(**extra: object) -> PrivateNote | None:
        document = Document(keys.new_doc_id(b"\x01" * 16), PRIVATE_NOTE)
        document.change(fields={**base, "created_at": now_ms(), **extra}, texts={"text": "x"})
        return note_view(document)

    old = view()
    assert old is not None and old.client_id is None
    new = view(client_id="cd" * 16)
    assert new is not None and new.client_id == "cd" * 16
    for bad in ("CD" * 16, "cd" * 8, "", 7, "zz" * 16):
        assert view(client_id=bad) is None, bad


async def test_a_note_about_a_kim_forgotten_before_the_name_was_taken_again_stays_hers(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """drlee forgets the erased kim's copy while she was the only kim (her notes keep the
    plain "kim"); another person then signs up as "kim" and shares. The old note, which keeps
    the erased kim's account id, is named with the start of it and `--client kim` leaves it
    out."""
    kim = await new_device(live_server, tmp_path, "kim")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await kim.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await drlee.ok("sync")
    await drlee.ok("private-notes", "add", "kim/Personal", "About the earlier kim.")
    [old] = [j for j in await drlee.json("journal", "list") if j["name"] == "kim/Personal"]
    await kim.ok("account", "delete", "--yes")
    await drlee.tj("sync")
    await drlee.ok("forget", "kim/Personal", "--unlisted", "--yes")
    [note] = await drlee.json("private-notes", "--client", "kim")
    assert (note["client"], note["client_id"]) == ("kim", old["owner_id"])
    new_kim = await new_device(live_server, tmp_path / "2", "kim")
    await new_kim.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await drlee.tj("sync")
    await drlee.ok("verify", "kim", (await new_kim.ok("fingerprint")).stdout.strip(), "--yes")
    await drlee.ok("sync")
    await drlee.ok("private-notes", "add", "kim/Personal", "New client intake.")
    notes = await drlee.json("private-notes", "--client", "kim")
    assert [n["text"] for n in notes] == ["New client intake."], notes
    earlier = f"kim (account {old['owner_id'][:8]})"
    [hers] = [n for n in await drlee.json("private-notes") if n["text"] == "About the earlier kim."]
    assert (hers["client"], hers["journal"]) == (earlier, f"{earlier}/Personal")
    assert [n["text"] for n in await drlee.json("private-notes", "--client", earlier)] == [
        "About the earlier kim."
    ]
