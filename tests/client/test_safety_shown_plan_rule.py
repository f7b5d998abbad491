"""The one rule of the plan a safety message shows (`SafetyPath._shown_plan`): the journal's
own plan when its owner wrote any of it; else the default journal's plan (none of another
journal: tests/client/test_safety_plan_from_the_default.py); a crisis line a member set in
the journal outranks a borrowed plan's line only when an import wrote that plan; a journal
of another account borrows nothing. The same rule when the server withholds the default
journal. Real server on loopback, real crypto."""

from __future__ import annotations

import json

from cli.export import import_summary
from cli.output import shown as printed
from client_sdk import Client
from tests.client.hostile import HostileServer, Through, hostile, through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory
from tests.test_cli_brief_read_only_copy import without_journal

THERAPIST_LINE = "Samaritans: call 116 123"
FILE_LINE = "Call 0900 123 456 (premium)"


async def file_with_a_plan(eve: Client, **plan: str) -> dict[str, object]:
    """eve's export, as read from a file: one entry and a safety plan of `plan`'s parts."""
    await eve.safety.set_plan(**plan)
    await eve.entries.write("Personal", "eve's")
    return json.loads(json.dumps(await eve.archive.export_json()))  # type: ignore[no-any-return]


async def test_a_therapists_line_in_a_withheld_default_still_outranks_an_imported_plans_line(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """A server that stops listing ana's default journal (a read-only copy here now) must
    not change which crisis line her safety message shows: tom's, set in Personal, and
    nothing of the plan an import wrote into "Personal (imported)", which the default
    journal never borrows."""
    ana = await through("ana")
    tom, eve = await signup("tom"), await signup("eve")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", THERAPIST_LINE)
    await tom.sync()
    await ana.sync()
    data = await file_with_a_plan(eve, crisis_line=FILE_LINE, plan="Breathe.")
    report = await ana.archive.import_json(data)
    assert report.created_journals == ["Personal (imported)"], report.to_dict()
    before = await ana.safety.message()
    assert f"{THERAPIST_LINE} (set by tom)" in " ".join(before)
    assert "Breathe." not in " ".join(before) and "0900" not in " ".join(before)

    personal = (await ana.journals.get("Personal")).id
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(personal))
    await ana.journals.create("Later")  # the list read again
    await ana.sync()
    assert ("Personal", True) in [(j.name, j.read_only_copy) for j in await ana.journals.list()]
    after = await ana.safety.message()
    assert after == before, (before, after)
    answered = await ana.safety.respond_to_answer("phq9", 9, 2)
    said = " ".join(answered.lines)
    assert f"{THERAPIST_LINE} (set by tom)" in said and "0900" not in said
    assert "Breathe." not in said


async def test_the_clients_own_line_outranks_a_members_line_in_a_journal_without_a_plan(
    signup: ClientFactory,
) -> None:
    """ana wrote her plan by hand in Personal; tom, who annotates her "Work", set a line
    there. The message for Work borrows her plan whole, her own line included, as her own
    line outranks a member's inside one journal."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.safety.set_plan(emergency_number="112", crisis_line="ANA-OWN-LINE", plan="Mine.")
    await ana.journals.create("Work")
    await share_with(ana, tom, "Work", role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Work", FILE_LINE)
    await tom.sync()
    await ana.sync()
    message = " ".join(await ana.safety.message("Work"))
    assert "call 112" in message and "ANA-OWN-LINE" in message and "Mine." in message
    assert "0900" not in message, message
    plan = await ana.safety.plan("Work")
    assert (plan.shown_from, plan.shown_crisis_line) == ("Personal", "ANA-OWN-LINE")
    assert plan.crisis_line_set_by == "tom"  # in force in Work, outranked by the borrowed own


async def test_a_members_view_of_a_clients_journal_never_borrows_the_members_own_plan(
    signup: ClientFactory,
) -> None:
    """tom's own plan is his; the message he previews for ana's Personal (no plan written)
    shows the built-in numbers, as `plan().shown_from` says."""
    ana, tom = await signup("ana"), await signup("tom")
    await tom.safety.set_plan(emergency_number="555 0100", crisis_line="TOM-LINE", plan="Tom's.")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    assert (await tom.safety.plan("ana/Personal")).shown_from is None
    message = " ".join(await tom.safety.message("ana/Personal"))
    assert "555 0100" not in message and "TOM-LINE" not in message and "Tom's." not in message


async def test_an_imported_plan_never_outranks_a_plan_the_client_wrote(
    signup: ClientFactory,
) -> None:
    """ana wrote her plan in Personal (999, OWN-LINE); "Work" has none and borrows it. A
    plain import puts a file's plan of text only into "Personal (imported)", which sorts
    before Work: Work's message keeps showing ana's own plan, and the summary names no
    journal whose message changed."""
    ana, eve = await signup("ana"), await signup("eve")
    await ana.safety.set_plan(emergency_number="999", crisis_line="OWN-LINE", plan="Own plan.")
    await ana.journals.create("Work")
    before = await ana.safety.message("Work")
    assert "call 999" in " ".join(before) and "OWN-LINE" in " ".join(before)
    report = await ana.archive.import_json(await file_with_a_plan(eve, plan="Breathe slowly."))
    assert report.safety_plans == ["Personal (imported)"], report.to_dict()
    assert await ana.safety.message("Work") == before
    plan = await ana.safety.plan("Work")
    assert (plan.shown_from, plan.shown_emergency_number) == ("Personal", "999")
    assert report.emergency_numbers_imported == report.crisis_lines_imported == {}
    summary = import_summary(report)  # no message changed: none "now shows" nor "no longer"
    assert "now shows" not in summary and "no longer shows" not in summary, summary
    assert report.plans_alone == {"Personal (imported)": "Personal"}, report.to_dict()
    imported = await ana.safety.plan("Personal (imported)")
    assert imported.imported and imported.plan == "Breathe slowly."
    assert not (await ana.safety.plan("Work")).imported


async def test_a_plan_an_import_wrote_is_the_clients_own_once_she_changes_it(
    signup: ClientFactory,
) -> None:
    """The plan an import wrote in "Personal (imported)" is marked `imported` until ana
    edits it by hand: then it is hers. Personal's message never borrows it, before or
    after: tom's line set there stays, with nothing of the file's plan."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", THERAPIST_LINE)
    await tom.sync()
    await ana.sync()
    await ana.archive.import_json(await file_with_a_plan(eve, crisis_line="EVE-LINE", plan="B."))
    assert f"{THERAPIST_LINE} (set by tom)" in " ".join(await ana.safety.message())
    await ana.safety.set_plan(journal="Personal (imported)", share_flags=False)  # no part
    assert (await ana.safety.plan("Personal (imported)")).imported
    await ana.safety.set_plan(journal="Personal (imported)", plan="Breathe, then ring Jo.")
    assert not (await ana.safety.plan("Personal (imported)")).imported
    message = " ".join(await ana.safety.message())
    assert "EVE-LINE" not in message and "ring Jo" not in message and THERAPIST_LINE in message
    own = " ".join(await ana.safety.message("Personal (imported)"))
    assert "EVE-LINE" in own and "ring Jo" in own and THERAPIST_LINE not in own


async def test_every_device_of_the_client_reads_an_imported_plan_as_imported(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The mark is in the owner-signed plan, not in one device's store: ana's tablet, which
    never imported anything, reads the plan as imported, and shows the same messages as her
    laptop: tom's line in Personal, with nothing of the file's plan."""
    laptop, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    await share_with(laptop, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", THERAPIST_LINE)
    await tom.sync()
    await laptop.sync()
    data = await file_with_a_plan(eve, emergency_number="999", crisis_line=FILE_LINE, plan="B.")
    await laptop.archive.import_json(data)
    await laptop.sync()
    tablet = await login("ana", "tablet")
    await tablet.sync()
    assert (await tablet.safety.plan("Personal (imported)")).imported
    message = await tablet.safety.message()
    assert message == await laptop.safety.message()
    said = " ".join(message)
    assert (
        f"{THERAPIST_LINE} (set by tom)" in said and "call 999" not in said and "0900" not in said
    )
    imported = await tablet.safety.message("Personal (imported)")
    assert imported == await laptop.safety.message("Personal (imported)")
    assert "call 999" in " ".join(imported) and FILE_LINE in " ".join(imported)


async def test_an_import_into_the_default_journal_names_the_journals_that_now_borrow_its_plan(
    signup: ClientFactory,
) -> None:
    """ana wrote no plan anywhere; "Work" has none of its own, so its message shows her
    default journal's. The file's plan of text only, imported into Personal (the default),
    is what the message for Work shows from then on. No number or line changed, and the
    summary must say it all the same, naming the file's journal and the journal here that
    holds the plan; a plain import's "Personal (imported)" reaches no other journal."""
    ana, eve = await signup("ana"), await signup("eve")
    await ana.journals.create("Work")
    before = " ".join(await ana.safety.message("Work"))
    assert "Breathe slowly." not in before
    data = await file_with_a_plan(eve, plan="Breathe slowly.")
    report = await ana.archive.import_json(data, into="Personal")
    assert report.safety_plans == ["Personal"], report.to_dict()
    assert "Breathe slowly." in " ".join(await ana.safety.message("Work"))
    shown = {"journal": "Personal", "file_journal": "Personal"}
    assert report.plans_shown == {"Work": shown}, report.to_dict()
    assert report.to_dict()["plans_shown"] == {"Work": shown}
    assert report.no_longer_shown == {} and report.plans_alone == {}, report.to_dict()
    said = " ".join(printed(import_summary(report)).split())
    assert (
        "the safety message for Work now shows the safety plan imported from the file's "
        "'Personal', now in 'Personal' (check it with `tj safety plan --journal Personal`)"
    ) in said, said
    assert "shown for that journal alone" not in said, said

    bob = await signup("bob")
    await bob.journals.create("Work")
    plain = await bob.archive.import_json(data)
    assert plain.safety_plans == ["Personal (imported)"], plain.to_dict()
    assert "Breathe slowly." not in " ".join(await bob.safety.message("Work"))
    assert "Breathe slowly." not in " ".join(await bob.safety.message())
    assert plain.plans_shown == {} and plain.plans_alone == {"Personal (imported)": "Personal"}


async def test_an_import_names_the_number_and_line_its_plan_took_off_the_message(
    signup: ClientFactory,
) -> None:
    """Work has no plan and borrows the one ana wrote by hand in Personal, her default
    (999, MY-LINE). An import into Work itself writes the file's plan of text only there,
    which the message for Work shows whole from then on: 999 and MY-LINE are gone from it,
    and the summary must name both, and that Work's plan is shown for Work alone."""
    ana, eve = await signup("ana"), await signup("eve")
    await ana.safety.set_plan(emergency_number="999", crisis_line="MY-LINE", plan="My plan.")
    await ana.journals.create("Work")
    assert "MY-LINE" in " ".join(await ana.safety.message("Work"))
    data = await file_with_a_plan(eve, plan="Breathe slowly.")
    report = await ana.archive.import_json(data, into="Work")
    message = " ".join(await ana.safety.message("Work"))
    assert "Breathe slowly." in message and "call 999" not in message
    assert "MY-LINE" not in message, message
    gone = {"emergency_number": "999", "crisis_line": "MY-LINE"}
    assert report.no_longer_shown == {"Work": gone}, report.to_dict()
    assert report.to_dict()["no_longer_shown"] == {"Work": gone}
    assert report.plans_alone == {"Work": "Personal"}, report.to_dict()
    assert report.to_dict()["plans_alone"] == {"Work": "Personal"}
    said = " ".join(printed(import_summary(report)).split())
    assert (
        "the safety message for Work no longer shows the emergency number '999' nor the "
        "crisis line 'MY-LINE' it showed before this import"
    ) in said, said
    assert ("the safety plan imported into 'Work' is shown for that journal alone") in said, said
    assert "Breathe slowly." not in " ".join(await ana.safety.message())  # Personal's own


async def test_a_plan_imported_into_its_own_journal_yields_its_line_to_the_therapists(
    signup: ClientFactory,
) -> None:
    """NU75 F8: a restore into Personal (`import_json(into="Personal")`, README's `tj import
    --journal Personal`) writes the file's plan there, marked imported; tom, who annotates
    Personal, sets his line: the message for Personal shows his line, not the file's, as in
    a journal borrowing an imported plan. Once ana changes the plan by hand it is hers, and
    her own line outranks tom's again."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    data = await file_with_a_plan(eve, emergency_number="999", crisis_line=FILE_LINE, plan="B.")
    await ana.archive.import_json(data, into="Personal")
    imported = await ana.safety.plan("Personal")
    assert imported.imported and imported.crisis_line == FILE_LINE, imported.to_dict()
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Personal", THERAPIST_LINE)
    await tom.sync()
    await ana.sync()
    said = " ".join(await ana.safety.message())
    assert f"{THERAPIST_LINE} (set by tom)" in said and "0900" not in said, said
    assert "call 999" in said and "B." in said, said  # the rest of the plan stays
    plan = await ana.safety.plan("Personal")
    assert (plan.crisis_line_in_use, plan.crisis_line_set_by) == (THERAPIST_LINE, "tom")
    await ana.safety.set_plan(plan="Breathe, then ring Jo.")  # by hand: hers now
    mine = " ".join(await ana.safety.message())
    assert FILE_LINE in mine and THERAPIST_LINE not in mine, mine
    assert (await ana.safety.plan("Personal")).crisis_line_set_by is None
