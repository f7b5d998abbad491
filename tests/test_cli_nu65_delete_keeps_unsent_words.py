"""An entry written offline on the phone in a journal the laptop deleted meanwhile is set aside
(refused by the server). The sync's notice names it before it invites `tj journal delete` of
the read-only copy; that delete refuses, naming the steps that keep its words (`tj set-aside
list --json > refused.json`, `tj set-aside drop ID`), and deletes once they were taken; no
set-aside row is ever listed without its words. A journal whose entry waits to be sent asks,
counting it as written on this device alone. Real server on loopback (stopped to make the phone
offline), real crypto, CliRunner."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable

from click.testing import CliRunner

from cli.main import cli
from client_sdk import Client
from tests.test_cli import BASE_ENV, Device, Outage, laptop, outage, phone

__all__ = ["laptop", "outage", "phone"]  # fixtures

WORDS = "Dream on phone, offline"


async def test_deleting_the_copy_names_the_entry_set_aside_and_keeps_it(
    laptop: Device, phone: Device, outage: Outage
) -> None:
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Flying again.")
    await phone.ok("sync")
    await outage.begin()
    await phone.ok("write", "--journal", "Dreams", input=WORDS + "\n")
    await outage.end()
    [gone] = [j["id"][:12] for j in await laptop.json("journal", "list") if j["name"] == "Dreams"]
    asked = await laptop.ok("journal", "delete", "Dreams", input="Dreams\n")
    assert "(1 entry)" in asked.stderr and "on no other device" not in asked.stderr

    synced = await phone.tj("sync")
    told = " ".join(synced.stderr.split())
    [change] = await phone.json("set-aside", "list")
    doc = change["doc_id"][:12]
    # the notice names what only this device holds before it invites the delete
    assert (
        "1 item in it (entries, notes...) holds words written on this device that the server "
        "refused (set aside) and that are on no other device: `tj set-aside move ID --journal "
        "JOURNAL` writes an entry or a questionnaire result into another journal; else keep "
        "its words (`tj set-aside list "
        f"--json > refused.json`), then drop it (`tj set-aside drop {doc}`). If you deleted it, "
        f"remove that copy after that with `tj journal delete {gone}`"
    ) in told, synced.stderr

    for args, given in ((("--yes",), None), ((), "Dreams\n")):
        refused = await phone.tj("journal", "delete", gone, *args, input=given)
        assert refused.exit_code == 1, refused.output
        said = " ".join(refused.stderr.split())
        assert (
            f"'Dreams' (id {gone}) holds 1 item (entries, notes...) with words written on this "
            "device that are on no other device and not on the server: deleting the journal "
            "would lose its words for good. Nothing was deleted. The server refused 1 change of "
            "it for good (set aside): keep its words (`tj set-aside list --json > refused.json`), "
            f"then drop it (`tj set-aside drop {doc}`), then run `tj journal delete {gone}` again"
        ) in said, refused.stderr
        assert "Type its name" not in refused.stderr  # refused before asking
        assert "Traceback" not in refused.output
    [kept] = await phone.json("set-aside", "list")
    assert (kept["text"], kept["kind"]) == (WORDS, "entry")
    assert WORDS in {e["body"] for e in await phone.json("list", "--journal", gone)}

    # the steps named: keep, drop, delete again
    await phone.ok("set-aside", "drop", doc, input="y\n")
    await phone.ok("journal", "delete", gone, "--yes")
    assert gone not in {j["id"][:12] for j in await phone.json("journal", "list")}
    assert await phone.json("set-aside", "list") == []


async def test_the_delete_question_counts_what_waits_to_be_sent(
    laptop: Device, outage: Outage
) -> None:
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("write", "--journal", "Work", "Synced.")
    await outage.begin()
    await laptop.ok("write", "--journal", "Work", input="Only here.\n")
    await outage.end()
    scripted = await laptop.tj("journal", "delete", "Work", "--yes")
    assert scripted.exit_code == 1, scripted.output
    assert "1 change still waits to be sent: sync first (`tj sync`)" in " ".join(
        scripted.stderr.split()
    )
    asked = await laptop.ok("journal", "delete", "Work", input="Work\n")
    assert (
        "(2 entries; 1 of them was written on this device and is on no other device)"
        in " ".join(asked.stderr.split())
    ), asked.stderr
    assert "Work" not in {j["name"] for j in await laptop.json("journal", "list")}


async def test_sync_json_names_the_items_set_aside_in_a_journal_gone(
    laptop: Device, phone: Device, outage: Outage
) -> None:
    """`Departure.set_aside` is in `tj sync --json`: the notice of a journal gone from the
    server names, by id, the items whose words are only on this device."""
    await laptop.ok("journal", "create", "Dreams")
    await phone.ok("sync")
    await outage.begin()
    await phone.ok("write", "--journal", "Dreams", input=WORDS + "\n")
    await outage.end()
    await laptop.ok("journal", "delete", "Dreams", "--yes")
    synced = await phone.tj("sync", "--json")
    assert synced.exit_code == 4, synced.output  # a change not delivered: set aside
    report = json.loads(synced.raw_stdout)
    [change] = await phone.json("set-aside", "list")
    [gone] = [d for d in report["departures"] if d["reason"] == "no longer on the server"]
    assert gone["set_aside"] == [change["doc_id"]], gone


class WrittenWhileAsked(io.BytesIO):
    """A stdin that runs `meanwhile` (another program writing on the profile) the first time
    the command reads its answer: between the question and the delete."""

    def __init__(self, answer: str, meanwhile: Callable[[], None]) -> None:
        super().__init__(answer.encode())
        self._meanwhile: Callable[[], None] | None = meanwhile

    def _first(self, size: int | None = -1) -> None:
        if self._meanwhile is not None and size != 0:  # read(0): click's probe of the stream
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()

    def read(self, size: int | None = -1) -> bytes:
        self._first(size)
        return super().read(size)

    def read1(self, size: int | None = -1) -> bytes:
        self._first(size)
        return super().read1(size)

    def readline(self, size: int | None = -1) -> bytes:
        self._first(size)
        return super().readline(size)


async def test_an_item_written_while_the_delete_asks_is_not_deleted(
    laptop: Device, outage: Outage
) -> None:
    """The question counted the one entry only on this device; another program on the
    profile writes a second while the user types the name: the delete checks the items again
    by id and refuses (what the user agreed to lose was the first), nothing deleted."""
    await laptop.ok("journal", "create", "Work")
    await outage.begin()
    await laptop.ok("write", "--journal", "Work", input="Only here.\n")
    await outage.end()

    async def app_writes() -> None:
        other = await Client.open(laptop.home)
        try:
            await other.entries.write("Work", "Written by the app meanwhile.")
        finally:
            await other.close()

    answer = WrittenWhileAsked("Work\n", lambda: asyncio.run(app_writes()))
    args = ["--home", str(laptop.home), "journal", "delete", "Work"]
    done = await asyncio.to_thread(CliRunner().invoke, cli, args, input=answer, env=BASE_ENV)
    assert "1 of them was written on this device" in " ".join(done.stderr.split()), done.output
    assert done.exit_code == 1, done.output
    assert "Nothing was deleted" in " ".join(done.stderr.split()), done.stderr
    bodies = {e["body"] for e in await laptop.json("list", "--journal", "Work")}
    assert bodies == {"Only here.", "Written by the app meanwhile."}, bodies
