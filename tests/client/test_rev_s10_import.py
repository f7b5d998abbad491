"""REV-S10 import findings: an imported safety plan never replaces the crisis line a
therapist set (S10-3), and an import never writes into a journal this account keeps only to
share with a member (L-3: a field-level copy, "Shared with NAME", a brief). Real server on
loopback, real crypto."""

from __future__ import annotations

import json
from typing import Any

from cli.export import import_summary
from cli.output import shown
from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

SEVERE = [3, 3, 3, 2, 2, 2, 2, 2, 0]  # PHQ-9 19


async def test_an_imported_plan_never_silently_replaces_the_therapists_crisis_line(
    signup: ClientFactory,
) -> None:
    """S10-3. `restore_plan` writes the file's plan into a journal whose owner "has written
    none", looking at the owner's own parts only: a crisis line the client's therapist set
    (`set_crisis_line`, what the safety message shows while the client set none) does not
    count. Importing a file (one handed to the client as "your backup", or the client's old
    account's) puts the file's crisis line in force in its place: the safety message shown
    after a PHQ-9 item 9 answer then names the file's number, not the therapist's, and the
    import's summary says only "imported 1 safety plan" (`safety_plans_kept` is empty)."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Samaritans: call 116 123")
    await tom.sync()
    await ana.sync()
    assert await ana.safety.crisis_line() == "Samaritans: call 116 123"

    await eve.safety.set_plan(crisis_line="Call 0900 123 456 (premium)", plan="Breathe.")
    handed = json.loads(json.dumps(await eve.archive.export_json()))
    report = await ana.archive.import_json(handed)
    in_force = await ana.safety.crisis_line()
    told = report.safety_plans_kept or report.to_dict().get("crisis_line_replaced")
    assert in_force == "Samaritans: call 116 123" or told, (in_force, report.to_dict())


async def therapist_line_set(signup: ClientFactory) -> tuple[Client, Client]:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", "Samaritans: call 116 123")
    await tom.sync()
    await ana.sync()
    return ana, tom


async def test_the_rest_of_the_plan_is_imported_and_the_therapists_line_stays_in_force(
    signup: ClientFactory,
) -> None:
    ana, _ = await therapist_line_set(signup)
    eve = await signup("eve")
    await eve.safety.set_plan(
        emergency_number="999", crisis_line="Call 0900 123 456 (premium)", plan="Breathe."
    )
    handed = json.loads(json.dumps(await eve.archive.export_json()))

    report = await ana.archive.import_json(handed, into="Personal")  # tom reads it: named
    assert report.safety_plans == ["Personal"] and report.safety_plans_kept == []
    assert report.crisis_lines_kept == {"Personal": "tom"}
    assert report.to_dict()["crisis_lines_kept"] == {"Personal": "tom"}
    plan = await ana.safety.plan()
    assert (plan.emergency_number, plan.crisis_line, plan.plan) == ("999", None, "Breathe.")
    assert (plan.crisis_line_in_use, plan.crisis_line_set_by) == ("Samaritans: call 116 123", "tom")
    message = " ".join(await ana.safety.message())
    assert "Samaritans: call 116 123 (set by tom)" in message and "0900" not in message
    assert shown(import_summary(report)) == (  # as printed
        "Imported 1 safety plan into 'Personal' (read by tom); the emergency number the "
        "safety message "
        "shows for Personal is now the file's, '999' (check it with `tj safety plan --journal Personal`); kept the "
        "crisis line tom set in Personal in force: the file's differs and stays in the file "
        "(yours would replace theirs in the safety message; `tj safety plan --crisis-line` "
        "sets it)."
    )

    again = await ana.archive.import_json(handed, into="Personal")  # the same file: nothing
    assert again.safety_plans == [] and again.safety_plans_kept == []
    assert again.already_here == {"safety_plans": 1}
    assert again.crisis_lines_kept == {"Personal": "tom"}
    assert await ana.safety.crisis_line() == "Samaritans: call 116 123"


async def test_a_plan_an_import_puts_in_a_journal_of_its_own_never_outranks_the_therapists_line(
    signup: ClientFactory,
) -> None:
    """rev27a F9's rest (fix27f): a plain import puts the file's plan into "Personal
    (imported)", a journal it makes; the safety message for Personal, which has no plan of
    its owner's, borrowed it, and took its crisis line over the one tom set in Personal:
    S10-3 by another road. Personal, the default journal, borrows no other journal's plan
    (rev29a F1): its message shows tom's line and nothing of the file's plan, and the summary
    names the file's emergency number for "Personal (imported)" alone."""
    ana, _ = await therapist_line_set(signup)
    eve = await signup("eve")
    await eve.safety.set_plan(
        emergency_number="999", crisis_line="Call 0900 123 456 (premium)", plan="Breathe."
    )
    handed = json.loads(json.dumps(await eve.archive.export_json()))

    report = await ana.archive.import_json(handed)  # no journal named: a new one
    assert report.created_journals == ["Personal (imported)"]
    assert "Personal" not in report.crisis_lines_imported, report.to_dict()
    assert report.emergency_numbers_imported == {"Personal (imported)": "999"}, report.to_dict()
    message = " ".join(await ana.safety.message())
    assert "Samaritans: call 116 123 (set by tom)" in message and "0900" not in message
    assert "call 999" not in message and "Breathe." not in message
    plan = await ana.safety.plan()
    assert plan.shown_from is None and plan.shown_crisis_line is None
    assert (plan.crisis_line_in_use, plan.crisis_line_set_by) == ("Samaritans: call 116 123", "tom")


async def test_a_file_plan_of_only_a_crisis_line_writes_nothing_over_the_therapists(
    signup: ClientFactory,
) -> None:
    ana, _ = await therapist_line_set(signup)
    eve = await signup("eve")
    await eve.safety.set_plan(crisis_line="Call 0900 123 456 (premium)")
    handed = json.loads(json.dumps(await eve.archive.export_json()))
    report = await ana.archive.import_json(handed, into="Personal")  # tom reads it: named
    assert report.safety_plans == [] and report.already_here == {}
    assert report.crisis_lines_kept == {"Personal": "tom"}
    plan = await ana.safety.plan()
    assert (plan.emergency_number, plan.crisis_line, plan.plan) == (None, None, "")
    assert import_summary(report).startswith(
        "Nothing new to import: kept the crisis line tom set in Personal in force"
    )


async def exported_journal(eve: Client, name: str) -> dict[str, Any]:
    """Eve's export of her journal `name`: one entry and a PHQ-9, as read from a file."""
    await eve.journals.create(name)
    await eve.entries.write(name, "Planted.", mood=2)
    await eve.measures.take("phq9", SEVERE, journal=name)
    data = json.loads(json.dumps(await eve.archive.export_json()))
    return data


async def test_an_import_never_writes_into_a_journal_kept_to_share_with_a_member(
    signup: ClientFactory,
) -> None:
    """L-3 of REV-S10: import matched journals by name, so a file (crafted, or simply old)
    naming its journal like the one ana keeps to share entries with tom one by one ("Shared
    with tom") put its entries and results there, before tom."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    mine = await ana.entries.write("Personal", "Just this one.")
    await ana.shares.grant_entry(mine.id, "tom", fingerprint=await tom.shares.fingerprint())
    await ana.sync()
    copy = next(j for j in await ana.journals.list() if j.helper == "items")
    data = await exported_journal(eve, copy.name)

    report = await ana.archive.import_json(data)
    into = f"{copy.name} (imported)"
    assert report.imported_as == {copy.name: into} and report.created_journals == [into]
    assert [e.body for e in await ana.entries.list(into)] == ["Planted."]
    assert len(await ana.measures.list(into)) == 1
    assert [e.body for e in await ana.entries.list(copy.name)] == ["Just this one."]
    assert await ana.measures.list(copy.name) == []
    assert f"the file's {copy.name!r} went into a new journal, {into!r}" in import_summary(report)
    await ana.sync()
    await tom.sync()
    assert "Planted." not in [e.body for e in await tom.entries.list()]
    assert await tom.measures.list() == []

    again = await ana.archive.import_json(data)  # held in that journal: nothing twice
    assert again.imported_as == {} and again.created_journals == []
    assert again.already_here == {"entries": 1, "results": 1}
    assert again.held_in == {into: {"entries": 1, "results": 1}}


async def test_an_import_never_writes_into_a_field_level_copy(signup: ClientFactory) -> None:
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(ana, tom, only=["mood"])
    await ana.sync()
    copy = next(j for j in await ana.journals.list() if j.helper == "mirror")
    data = await exported_journal(eve, copy.name)
    report = await ana.archive.import_json(data)
    # eve's empty Personal is not made again: ana has a journal of that name
    assert report.imported_as == {copy.name: f"{copy.name} (imported)"}
    assert await ana.entries.list(copy.name) == []
    await ana.sync()
    await tom.sync()
    assert [e.mood for e in await tom.entries.list()] == []


async def test_a_plan_alone_is_never_imported_into_a_journal_kept_to_share_with_a_member(
    signup: ClientFactory,
) -> None:
    """A file holding only a safety plan, of a journal named like the one ana keeps to share
    entries with tom one by one: the plan goes into a journal of her own, not into the copy
    tom reads."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    mine = await ana.entries.write("Personal", "Just this one.")
    await ana.shares.grant_entry(mine.id, "tom", fingerprint=await tom.shares.fingerprint())
    await ana.sync()
    copy = next(j for j in await ana.journals.list() if j.helper == "items")
    await eve.journals.create(copy.name)
    await eve.safety.set_plan(journal=copy.name, plan="Call 0900 123 456 (premium).")
    data = json.loads(json.dumps(await eve.archive.export_json()))

    report = await ana.archive.import_json(data)
    into = f"{copy.name} (imported)"
    assert report.safety_plans == [into]
    assert (await ana.safety.plan(copy.name)).plan == ""
    assert (await ana.safety.plan(into)).plan == "Call 0900 123 456 (premium)."


async def test_an_import_never_writes_into_a_brief(signup: ClientFactory) -> None:
    """A brief's journal is not listed (`journals.list`), so a file journal of its name was
    created again: "a journal named ... already exists", and the import stopped halfway."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await ana.entries.write("Personal", "Before the session.", mood=4)
    await ana.briefs.share(
        await ana.briefs.prepare(journals=["Personal"]),
        "tom",
        fingerprint=await tom.shares.fingerprint(),
    )
    held = await ana.context.store.journals()
    [brief] = [j for j in held if j.journal_id in await ana.context.brief_journals(held)]
    data = await exported_journal(eve, brief.name)
    report = await ana.archive.import_json(data)
    into = f"{brief.name} (imported)"
    assert report.imported_as == {brief.name: into}
    assert [e.body for e in await ana.entries.list(into)] == ["Planted."]


async def test_an_import_into_a_copy_journal_another_device_made_meanwhile_completes_elsewhere(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """REV-S10B L1: a file journal named like the "Shared with tom" ana's phone made after
    the laptop's last sync was created by the import (`Journals.create`, which returned the
    phone's copy), and the commit refused the write (COPY_JOURNAL): the import stopped
    half-way, the file's other journals written, no summary. It goes into "NAME (imported)"
    as when the copy is known here, and tom sees nothing of it."""
    laptop, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    phone = await login("ana")
    await share_with(laptop, tom, "Personal")  # so tom is pinned on the laptop too
    await phone.sync()
    mine = await phone.entries.write("Personal", "Just this one.")
    await phone.shares.grant_entry(mine.id, "tom", fingerprint=await tom.shares.fingerprint())
    await phone.sync()
    copy = next(j for j in await phone.journals.list() if j.helper == "items")
    assert copy.name not in [j.name for j in await laptop.journals.list()]  # not pulled yet
    await eve.entries.write("Personal", "Eve's own.")
    data = await exported_journal(eve, copy.name)

    report = await laptop.archive.import_json(data)
    # the name is free on the laptop: a new journal of it, never the phone's copy; eve's
    # Personal neither goes into ana's, which tom reads
    into = copy.name
    assert report.imported_as == {"Personal": "Personal (imported)"}
    assert sorted(report.created_journals) == sorted([into, "Personal (imported)"])
    assert copy.id not in report.journals.values()
    assert [e.body for e in await laptop.entries.list(into)] == ["Planted."]
    assert "Eve's own." in [e.body for e in await laptop.entries.list("Personal (imported)")]
    assert shown(import_summary(report)).endswith(  # as printed, last: the result came
        # from the file's copy journal, not the default journal's history (NU72 F3)
        "the file's 'Personal' went into a new journal, 'Personal (imported)': you have a "
        "journal named 'Personal' already, and an import writes into an existing journal only "
        "when you name it (`tj import FILE --journal NAME`, once 'Personal (imported)' is "
        "deleted: what a journal holds counts as already here)."
    )
    assert report.care_apart == []
    await laptop.sync()
    await tom.sync()
    assert "Eve's own." not in [e.body for e in await tom.entries.list()]
    assert "Planted." not in [e.body for e in await tom.entries.list()]
    assert await tom.measures.list() == []
    [kept] = [j.id for j in await laptop.journals.list() if j.helper == "items"]
    assert [e.body for e in await laptop.entries.list(kept)] == ["Just this one."]
