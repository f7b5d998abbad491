"""An entry written offline on the phone in a journal the laptop deleted meanwhile is set aside
(refused by the server). The sync's notice names it before it invites `tj journal delete` of
the read-only copy; that delete refuses, naming the steps that keep its words (`tj set-aside
list --json > refused.json`, `tj set-aside drop ID`), and deletes once they were taken; no
set-aside row is ever listed without its words. A journal whose entry waits to be sent asks,
counting it as written on this device alone. Real server on loopback (stopped to make the phone
offline), real crypto, CliRunner."""

from __future__ import annotations

from tests.test_cli import Device, Outage, laptop, outage, phone

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
        "JOURNAL` writes an entry into another journal; else keep its words (`tj set-aside list "
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
