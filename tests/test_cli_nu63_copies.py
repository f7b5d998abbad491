"""NU63: a client's field-level copy (`tj share J NAME --only ...`) as a new user and their
therapist met it: what the therapist writes in the copy is news to the client's sync, an
assignment's status when the copy carries what it needs, archiving a copy, and a PHQ-9 whose
answers the copy does not carry. The client's and the therapist's homes, on a real server on
127.0.0.1, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk import Client, keys
from client_sdk.documents import ENTRY, Document, EntryFields, new_entry_update
from client_sdk.models import now_ms
from client_sdk.sharing import MIRRORS_CAUGHT_UP
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

SCORES = "Personal (mood, scores) for tom"


async def share_scores(ana: Device, tom: Device) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--role", "annotate", *fingerprint
    )
    await tom.ok("sync")


async def test_a_note_and_an_assignment_in_a_copy_are_news_to_the_clients_sync(
    ana: Device, tom: Device, live_server: RunningServer, tmp_path: Path
) -> None:
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await share_scores(ana, tom)
    await phone.ok("sync")
    await tom.ok("note", "ana", "Second note for ana.")
    await tom.ok("assign", "ana", "homework", "behavioural-activation", "--note", "plan 1 thing")
    synced = await ana.ok("sync", "--json")
    report = json.loads(synced.stdout)
    told = {(n["kind"], n["from"], n["count"]) for n in report["news"]}
    assert told == {("note", "tom", 1), ("assignment", "tom", 1)}, report["news"]
    assert "nothing new" not in synced.stderr
    await tom.ok("note", "ana", "--prompt", "What helped today?")
    await phone.ok("write", "--mood", "6", "From the phone.")  # copied by the phone
    plain = await ana.ok("sync")
    said = " ".join(plain.stdout.split())
    assert "tom" in said and "1 new prompt" in said and "nothing new" not in said, said
    assert said.count("1 new entry") == 1, said  # its copy is never news to ana


async def test_an_assignment_in_a_copy_carrying_scores_is_dated_once_a_result_arrives(
    ana: Device, tom: Device
) -> None:
    await share_scores(ana, tom)
    made = await tom.ok("assign", "ana", "measure", "gad7", "--every", "7")
    said = " ".join(made.stderr.split())
    assert "results reach you only if the client shares scores with you" in said, said
    [before] = await tom.json("assignments")
    assert before["status"] == "not seen"
    table = " ".join((await tom.ok("assignments", env={"COLUMNS": "200"})).stdout.split())
    assert "no result has reached you in this copy yet" in table, table
    assert "results reach you only if the client shares scores with you" in table
    out = tom.home.parent / "unseen"  # the export says it as the list does
    await tom.ok("export", "--format", "markdown", "--out", str(out), "--client", "ana")
    said = " ".join(" ".join(p.read_text() for p in out.rglob("*.md")).split())
    assert "- status: not seen: no result has reached you in this copy yet (results" in said

    await ana.ok("sync")
    await ana.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
    await tom.ok("sync")
    [after] = await tom.json("assignments")
    assert (after["status"], after["last_done"] is not None) == ("upcoming", True), after
    table = " ".join((await tom.ok("assignments", env={"COLUMNS": "200"})).stdout.split())
    assert "not seen" not in table and "next " in table, table

    homework = await tom.ok("assign", "ana", "homework", "behavioural-activation")
    said = " ".join(homework.stderr.split())
    # the copy's name says it carries no homework: never "not seen ... yet" (NU64 F15)
    assert "cannot be seen in this copy: it does not carry the client's homework" in said, said


TAGS = "Personal (mood, tags) for tom"


async def test_an_archived_copy_keeps_following_its_source_and_a_write_there_is_no_error(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    archived = await ana.ok("journal", "archive", TAGS)
    said = " ".join(archived.stderr.split())
    assert "To write in it again" not in said, said
    assert "tom still reads it" in said and f"`tj unshare '{TAGS}' tom`" in said, said

    wrote = await ana.ok("write", "--mood", "3", "--tag", "archived-copy", "After archiving.")
    assert "Error" not in wrote.stderr, wrote.stderr
    await ana.ok("sync")
    await tom.ok("sync")
    listed = await tom.json("list", "--journal", f"ana/{TAGS}")
    assert [(e["mood"], e["tags"]) for e in listed] == [(3, ["archived-copy"])], listed
    # still hidden from the client's lists as archived, and still a copy kept for tom
    [copy] = [j for j in await ana.json("journal", "list") if j["name"] == TAGS]
    assert copy["archived"] is True, copy


async def test_an_entry_an_earlier_version_left_out_of_an_archived_copy_reaches_it(
    ana: Device, tom: Device
) -> None:
    """A store of an earlier version: the copy was archived, so a write in its source saved
    the entry but never copied it, and the copy had been looked through before."""
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    await ana.ok("journal", "archive", TAGS)
    client = await Client.open(ana.home)
    try:
        await client.sync()  # looked through once: caught up, as the earlier version was
        local = await client.context.local_journal("Personal")
        document = Document(keys.new_doc_id(client.profile.account_id), ENTRY)
        fields = EntryFields(body="Left out.", mood=4, tags=("missed",))
        update = new_entry_update(document, fields, now_ms())
        await client.replica.commit(local, document, update)  # not copied, as then
        caught = await client.store.setting(MIRRORS_CAUGHT_UP)
        assert caught, "the copy was looked through"
        async with client.store.transaction() as tx:
            await tx.remove_setting(MIRRORS_CAUGHT_UP)
            await tx.set_setting("mirrors_caught_up", caught)  # the earlier name
    finally:
        await client.close()
    await ana.ok("sync")
    await tom.ok("sync")
    listed = await tom.json("list", "--journal", f"ana/{TAGS}")
    assert [(e["mood"], e["tags"]) for e in listed] == [(4, ["missed"])], listed


async def test_the_export_summary_names_a_copy_no_longer_served_as_the_other_commands_do(
    ana: Device, tom: Device, tmp_path: Path
) -> None:
    await ana.ok("share", "Personal", "tom", "--fingerprint", tom.signup["fingerprint"])
    await ana.ok("write", "Before the end.")
    await tom.ok("sync")
    await ana.ok("unshare", "Personal", "tom", "--yes")
    await tom.ok("sync")  # the server stops serving it: tom's device holds no signed end
    [listed] = await tom.json("shared-with-me")
    assert (listed["read_only_copy"], listed["share_ended"], listed["unlisted"]) == (
        True,
        False,
        True,
    ), listed
    out = tmp_path / "export"
    exported = await tom.ok("export", "--client", "ana", "--out", str(out))
    said = " ".join(exported.stderr.split()) + " ".join(exported.stdout.split())
    assert "ana/Personal (no longer served)" in said, said
    assert "(share ended)" not in said


async def test_a_phq9_without_its_answers_never_reads_as_fine_on_either_side(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    shared = await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--role", "annotate", *fingerprint
    )
    said = " ".join(shared.stderr.split())
    assert "tom sees the score of each questionnaire you take, not your answers" in said, said
    assert "not how you answered item 9, and no safety flag can reach them" in said
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    taken = await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    said = " ".join(taken.stderr.split())
    assert said.count("tom sees only the score of this PHQ-9") == 1, said
    assert "not your answers (so not item 9)" in said
    assert "no safety flag can reach them that way" in said
    gad = " ".join(
        (await ana.ok("measure", "take", "gad7", "--answers", "0,0,0,0,0,0,0")).stderr.split()
    )
    assert "sees only the score" not in gad  # no safety item: nothing to say

    await tom.ok("sync")
    listed = await tom.ok("measure", "list", env={"COLUMNS": "200"})
    rows = [line for line in listed.stdout.splitlines() if "PHQ-9" in line]
    assert len(rows) == 2 and all("item 9 not shared" in row for row in rows), listed.stdout
    notes = " ".join(listed.stderr.split())
    assert "whether item 9 was answered above 0 is not known to you, whatever the total" in notes
    [first, *_] = await tom.json("measure", "list", "--measure", "phq9")
    assert (first["score"], first["answers"], first["safety_unknown"]) == (3, None, True), first
    shown = " ".join((await tom.ok("measure", "show", first["id"][:8])).stdout.split())
    assert "item 9: not shared: the score comes without the answers, so whether item 9" in shown
    assert "no safety flag comes with a score shared without its answers" in shown, shown

    caseload = await tom.ok("caseload", env={"COLUMNS": "200"})
    table = " ".join(caseload.stdout.split())
    assert "PHQ-9 3 (-5; item 9 not shared)" in table, table
    assert "ana: item 9 not shared: the score comes without the answers" in table
    [row] = await tom.json("caseload")
    [phq9] = [s for s in row["scores"] if s["measure"] == "phq9"]
    assert phq9["safety_unknown"] is True
    page = tom.home.parent / "caseload.html"  # the page as the table: the short mark, one line
    await tom.ok("caseload", "--html", str(page))
    html = " ".join(page.read_text().split())
    assert "PHQ-9 3 (None-minimal; item 9 not shared)," in html, html
    assert html.count("the score comes without the answers") == 1, html
    assert '<p class="note">ana: item 9 not shared: the score comes without the answers' in html

    own = await ana.ok("measure", "list", env={"COLUMNS": "200"})
    assert "not shared" not in own.stdout + own.stderr  # the client's own answers are there


UNKNOWN = (
    "item 9 not shared: the score comes without the answers, so whether item 9 was answered "
    "above 0 is not known to you, whatever the total"
)
"""The one wording every view gives a PHQ-9 shared without its answers."""


async def test_a_phq9_without_its_answers_is_never_plain_none_minimal_in_a_report_or_export(
    ana: Device, tom: Device, tmp_path: Path
) -> None:
    await share_scores(ana, tom)
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    await tom.ok("sync")
    [result] = await tom.json("measure", "list", "--measure", "phq9")
    assert (result["score"], result["safety_unknown"]) == (3, True), result

    page = tmp_path / "ana.html"
    await tom.ok("report", "--html", str(page), "--journal", result["journal"])
    html = " ".join(page.read_text().split())
    assert "3 (None-minimal; item 9 not shared)" in html  # the point's title
    assert f'<p class="safety-unknown"><b>{result["taken_at"][:10]}</b>: {UNKNOWN}' in html
    assert "PHQ-9 item 9 not shared in 1 result shown here" in html  # the top of the page
    assert "3 (None-minimal)<" not in html  # never the band alone

    out = tmp_path / "out"
    await tom.ok("export", "--format", "markdown", "--out", str(out), "--client", "ana")
    [text] = [p.read_text() for p in out.rglob("*.md") if "PHQ-9" in p.read_text()]
    said = " ".join(text.split())
    assert "## PHQ-9: 3 (None-minimal; item 9 not shared)" in text, text
    assert "- **item 9 not shared**: the score came without the answers, so whether" in said
    assert "is not known to the therapist, whatever the total" in said  # a record (NU64 F21)

    exported = tmp_path / "json"
    await tom.ok("export", "--out", str(exported), "--client", "ana")
    [archive] = [json.loads(p.read_text()) for p in exported.glob("*.json")]
    assert [r["safety_unknown"] for r in archive["results"]] == [True], archive["results"]

    assigned = await tom.ok("assign", result["journal"], "measure", "phq9")
    note = " ".join(assigned.stderr.split())
    assert "(3, None-minimal; item 9 not shared); it asks about" in note, note

    await ana.ok("brief", "tom", "--yes")  # of what tom reads: the copy, without the answers
    await tom.ok("sync")
    [brief] = await tom.json("briefs")
    assert [s["safety_unknown"] for s in brief["digest"]["scores"]] == [True], brief
    shown = await tom.ok("show", brief["id"], env={"COLUMNS": "200"})
    assert "PHQ-9: 3 (None-minimal; item 9 not shared)" in shown.stdout, shown.stdout

    mine = tmp_path / "mine.html"  # the client's own report and export hold the answers
    await ana.ok("report", "--html", str(mine))
    assert "item 9 not shared" not in mine.read_text()
    own = tmp_path / "own"
    await ana.ok("export", "--format", "markdown", "--out", str(own))
    assert not any("item 9 not shared" in p.read_text() for p in own.rglob("*.md"))


async def test_a_therapist_leaving_a_copy_is_never_told_as_stopping_safety_flags(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,tags", *fingerprint)
    await tom.ok("sync")
    await tom.ok("leave", f"ana/{TAGS}", "--yes")
    told = " ".join((await ana.ok("sync")).stderr.split())
    assert f"tom no longer reads '{TAGS}'" in told, told
    assert "so new entries no longer reach them" in told, told
    assert "safety flags" not in told


async def test_archiving_the_journal_of_single_items_says_what_it_stops(
    ana: Device, tom: Device
) -> None:
    entry = (await ana.ok("write", "One for tom.")).stdout.strip()
    await ana.ok("share-entry", entry[:8], "tom", "--fingerprint", tom.signup["fingerprint"])
    archived = " ".join((await ana.ok("journal", "archive", "Shared with tom")).stderr.split())
    assert "To write in it again" not in archived and "still gets" not in archived, archived
    assert "tom still reads what it holds" in archived
    assert "`tj unshare 'Shared with tom' tom`" in archived
