"""A journal of the client's own with no plan written borrows the default journal's plan and
no other (`SafetyPath._borrowed`): the default journal's id is this device's choice or the
one the account key derives, never a server's word, so a server withholding, reordering or
listing again any journal cannot pick which of her plans, or whose crisis line, the safety
message shows. When the default journal is not on the device at all (never listed to a new
device, no read-only copy), the message says its plan cannot be shown and borrows nothing
from elsewhere (rev29a F1, F2). Real server on loopback, real crypto, the hostile proxy."""

from __future__ import annotations

from pathlib import Path

from client_sdk import Client
from tests.client.hostile import HostileServer, Through, hostile, login_through, through  # noqa: F401
from tests.client.sharing_support import share_with
from tests.client.test_safety_shown_plan_rule import file_with_a_plan
from tests.conftest import ClientFactory
from tests.test_cli_brief_read_only_copy import without_journal

NOT_SHOWN = "The safety plan of your default journal cannot be shown"


def joined(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


async def withhold(proxy: HostileServer, client: Client, *names: str) -> None:
    """The server leaves the journals `names` out of every journal list from now on; the
    client reads the list again and syncs: they are read-only copies on it."""
    ids = [bytes.fromhex((await client.journals.get(name)).id) for name in names]

    def rewrite(request: bytes, reply: bytes) -> bytes:
        for journal_id in ids:
            reply = without_journal(journal_id)(request, reply)
        return reply

    proxy.replies["/v1/journals/list"] = rewrite
    await client.journals.create(f"Later {len(proxy.paths)}")  # the list read again
    await client.sync()
    copies = {j.name for j in await client.journals.list() if j.read_only_copy}
    assert copies == set(names), copies


async def alpha_and_beta(client: Client) -> None:
    """Two other journals with a plan ana wrote by hand in each."""
    await client.journals.create("Alpha")
    await client.journals.create("Beta")
    await client.safety.set_plan(
        journal="Alpha", emergency_number="111", crisis_line="Alpha line", plan="Alpha plan."
    )
    await client.safety.set_plan(
        journal="Beta", emergency_number="222", crisis_line="Beta line", plan="Beta plan."
    )


async def test_withholding_another_journal_never_changes_the_plan_a_journal_borrows(
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """rev29a F1: ana's plans are in Personal (the default), Alpha and Beta; "Notes" has
    none and borrows Personal's. The server leaves out Alpha, then Personal too: the message
    for Notes still shows Personal's plan (its read-only copy's), never Alpha's or Beta's."""
    ana = await through("ana")
    await ana.safety.set_plan(emergency_number="999", crisis_line="Ana's line", plan="Call Mum.")
    await alpha_and_beta(ana)
    await ana.journals.create("Notes")
    await ana.sync()
    before = await ana.safety.message("Notes")
    said = joined(before)
    assert "call 999" in said and "Ana's line" in said and "Call Mum." in said, said
    assert (await ana.safety.plan("Notes")).shown_from == "Personal"

    await withhold(hostile, ana, "Alpha")
    assert await ana.safety.message("Notes") == before
    await withhold(hostile, ana, "Alpha", "Personal")
    assert await ana.safety.message("Notes") == before
    assert (await ana.safety.plan("Notes")).shown_from == "Personal"
    assert joined(await ana.safety.message()) == joined(await ana.safety.message("Personal")), (
        "the default's own message, from its copy"
    )


async def test_the_default_journal_without_a_plan_borrows_no_other_journals_plan(
    hostile: HostileServer,  # noqa: F811
    through: Through,  # noqa: F811
) -> None:
    """rev29a F1 as found: Personal (the default) has no plan; Alpha and Beta hold ana's.
    Before, the server's listing picked which of them Personal's message showed; now none
    is, whatever it lists: the built-in numbers, "not written here"."""
    ana = await through("ana")
    await alpha_and_beta(ana)
    await ana.sync()
    before = await ana.safety.message("Personal")
    said = joined(before)
    assert "Alpha" not in said and "Beta" not in said, said
    assert "You have not written a safety plan here yet" in said, said
    assert (await ana.safety.plan("Personal")).shown_from is None
    await withhold(hostile, ana, "Alpha")
    assert await ana.safety.message("Personal") == before
    assert await ana.safety.message() == before
    assert (await ana.safety.plan("Personal")).shown_from is None


async def test_a_default_never_listed_to_a_new_device_shows_no_coachs_line_of_another_journal(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """rev29a F2: ana's plan is in Personal; coach annotates her "Work" and set a line
    there. Her new phone's server never lists Personal: the message naming no journal, and a
    stopped item-9 answer, show the built-in numbers and say Personal's plan cannot be
    shown, never coach's line in its place; the message for Work shows coach's line (Work's
    own), never "not written". Once listed again, her own plan is back."""
    laptop = await signup("ana")
    coach = await signup("coach")
    await laptop.safety.set_plan(emergency_number="999", crisis_line="Ana's line", plan="Call Mum.")
    await laptop.journals.create("Work")
    await laptop.sync()
    await share_with(laptop, coach, journal="Work", role="annotate")
    await coach.sync()
    await coach.safety.set_crisis_line("ana/Work", "Coach line 0900 000")
    await coach.sync()
    await laptop.sync()
    personal = (await laptop.journals.get("Personal")).id
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(personal))
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await phone.sync()
        assert "Personal" not in [j.name for j in await phone.journals.list()]
        said = joined(await phone.safety.message())
        answered = await phone.safety.respond_to_answer("phq9", 9, 2)
        told = joined(answered.lines)
        for shown in (said, told):
            assert "Coach line" not in shown and "0900" not in shown, shown
            assert NOT_SHOWN in shown, shown
            assert "You have not written" not in shown, shown
        assert (answered.flagged_to, answered.flag_id) == ([], None)
        work = joined(await phone.safety.message("Work"))
        assert "Coach line 0900 000 (set by coach)" in work and NOT_SHOWN in work, work
        assert (await phone.safety.plan("Work")).shown_from is None

        del hostile.replies["/v1/journals/list"]  # listed again
        await phone.sync()
        back = joined(await phone.safety.message())
        assert "call 999" in back and "Ana's line" in back and NOT_SHOWN not in back, back
        work = joined(await phone.safety.message("Work"))
        assert "Ana's line" in work and "Coach line" not in work, work
    finally:
        await phone.close()


async def test_a_default_never_listed_to_a_new_device_shows_no_imported_plan(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """rev29a F2 (b): ana imported a file eve gave her (0900, "File line") into "Personal
    (imported)"; her own plan is in Personal, which her new phone's server never lists. The
    phone's message shows nothing of the file's plan: the built-in numbers, and that
    Personal's plan cannot be shown."""
    laptop = await signup("ana")
    eve = await signup("eve")
    await laptop.safety.set_plan(emergency_number="999", crisis_line="Ana's line", plan="Call Mum.")
    data = await file_with_a_plan(eve, emergency_number="0900", crisis_line="File line", plan="X")
    report = await laptop.archive.import_json(data)
    assert report.created_journals == ["Personal (imported)"], report.to_dict()
    await laptop.sync()
    assert "Ana's line" in joined(await laptop.safety.message())
    personal = (await laptop.journals.get("Personal")).id
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(personal))
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        await phone.sync()
        for said in (
            joined(await phone.safety.message()),
            joined((await phone.safety.respond_to_answer("phq9", 9, 2)).lines),
        ):
            assert "File line" not in said and "0900" not in said, said
            assert NOT_SHOWN in said, said
    finally:
        await phone.close()


async def test_a_journal_borrowing_an_imported_default_plan_keeps_the_therapists_line(
    signup: ClientFactory,
) -> None:
    """An import wrote the file's plan (999, a premium line, "Breathe.") into Personal, the
    default journal, where ana wrote none; tom annotates her "Work" and set a line there.
    Work's message borrows Personal's plan, its number and text, with tom's line before the
    file's (`_line_over`: a file never outranks the therapist's line)."""
    ana, tom, eve = await signup("ana"), await signup("tom"), await signup("eve")
    data = await file_with_a_plan(
        eve, emergency_number="999", crisis_line="Call 0900 123 456", plan="Breathe."
    )
    report = await ana.archive.import_json(data, into="Personal")
    assert report.safety_plans == ["Personal"], report.to_dict()
    await ana.journals.create("Work")
    await share_with(ana, tom, journal="Work", role="annotate")
    await tom.sync()
    await tom.safety.set_crisis_line("ana/Work", "Samaritans: call 116 123")
    await tom.sync()
    await ana.sync()
    said = joined(await ana.safety.message("Work"))
    assert "call 999" in said and "Breathe." in said, said
    assert "Samaritans: call 116 123 (set by tom)" in said and "0900" not in said, said
    plan = await ana.safety.plan("Work")
    assert (plan.shown_from, plan.shown_crisis_line) == ("Personal", None)
