"""While the default journal, whose safety plan every journal of the client's without one
borrows, is not on this device, `tj sync` says the safety message cannot show it (not the
message alone: fix30b 1), and so does `tj safety plan --journal Work` for a journal with
no plan of its own (fix30b 2); the SDK's `SyncReport.plan_not_loaded` and
`Safety.plan_source` say it too. Real server on loopback, real crypto."""

from __future__ import annotations

from pathlib import Path

from client_sdk import PlanSource
from tests.client.hostile import HostileServer, hostile, login_through  # noqa: F401
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_brief_read_only_copy import without_journal
from tests.test_cli_insights import new_device
from tests.test_cli_nu52_findings import flat

NOT_SHOWN = "The safety plan of your default journal cannot be shown"


async def test_sync_and_the_plan_of_a_journal_say_the_default_plan_cannot_be_shown(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Work")
    synced = flat((await ana.ok("sync")).stderr)
    assert NOT_SHOWN not in synced, synced
    assert (await ana.json("sync"))["plan_not_loaded"] is False
    await ana.ok("journal", "delete", "Personal", "--yes")
    for _ in range(2):  # at every sync while it holds
        synced = flat((await ana.ok("sync")).stderr)
        assert f"Safety: {NOT_SHOWN}" in synced, synced
        assert "make that your default journal on this device (`tj journal default NAME`)" in (
            synced
        )
    assert (await ana.json("sync"))["plan_not_loaded"] is True
    shown = await ana.ok("safety", "plan", "--journal", "Work")
    said = flat(shown.stdout + shown.stderr)
    assert "shown plan: none written here: the safety plan of your default journal cannot be" in (
        said
    ), said
    await ana.ok("journal", "default", "Work", "--yes")
    synced = flat((await ana.ok("sync")).stderr)
    assert NOT_SHOWN not in synced, synced
    shown = await ana.ok("safety", "plan", "--journal", "Work")
    assert "cannot be shown" not in flat(shown.stdout + shown.stderr)


async def test_the_sdk_names_the_plan_source_and_the_report_says_when_it_is_missing(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.journals.create("Work")
    phone = await login("ana")
    report = await phone.sync()
    personal = (await phone.journals.get("Personal")).id
    assert await phone.safety.plan_source() == PlanSource(personal, "Personal", False)
    assert not report.plan_not_loaded and report.to_dict()["plan_not_loaded"] is False
    assert not any(NOT_SHOWN in line for line in report.lines())
    await laptop.journals.delete("Personal", discard_undelivered=True)
    report = await phone.sync()  # the phone keeps a read-only copy: its plan is shown
    source = await phone.safety.plan_source()
    assert source is not None and source.read_only_copy and source.journal_id == personal
    assert not report.plan_not_loaded
    fresh = await login("ana", "tablet")  # a device that never held Personal
    report = await fresh.sync()
    assert await fresh.safety.plan_source() is None
    assert report.plan_not_loaded and report.to_dict()["plan_not_loaded"] is True
    assert f"Safety: {NOT_SHOWN}" in " ".join(report.lines())


async def test_a_default_the_server_withholds_from_a_new_device_is_said_by_its_sync(
    signup: ClientFactory,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A server that never lists ana's default journal (Personal, with her plan) to her new
    phone: every sync there says the safety message cannot show that plan, until it is
    listed."""
    laptop = await signup("ana")
    await laptop.safety.set_plan(emergency_number="999", plan="Call Mum.")
    await laptop.journals.create("Work")
    await laptop.sync()
    personal = (await laptop.journals.get("Personal")).id
    hostile.replies["/v1/journals/list"] = without_journal(bytes.fromhex(personal))
    phone = await login_through(hostile, "ana", tmp_path / "phone", device_name="phone")
    try:
        for _ in range(2):
            report = await phone.sync()
            assert report.plan_not_loaded, report.to_dict()
            assert f"Safety: {NOT_SHOWN}" in " ".join(report.lines())
        del hostile.replies["/v1/journals/list"]
        await phone.replica.refresh_journals()
        report = await phone.sync()
        assert not report.plan_not_loaded and "Call Mum." in " ".join(await phone.safety.message())
    finally:
        await phone.close()
