"""Hostile review of fix-nu36a (NU36 #1, #4 fixes): the problems it found (F1-F4), each a
strict xfail until fixed and since fixed by fix-nu36c (a renewal never signs a safety-flag
opt-in by itself; a 12-hex id names its journal; the delete prompt goes by journal id).
Real server on loopback, CliRunner, real crypto."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage, phone  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device
from tests.test_cli_nu36_findings import DAY_MS, move_clocks, said


async def test_a_renewal_never_opts_in_another_account_bearing_the_opted_in_members_name(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    first = await new_device(live_server, tmp_path, "drsmith")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "drsmith", "--role", "annotate", "--safety-flags", "--until", until,
        "--fingerprint", first.signup["fingerprint"], input="y\n",  # a new member: asked
    )  # fmt: skip
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)  # the opted-in share ran out
    await ana.ok("sync")
    await first.ok("account", "delete", "--yes")  # that account is gone; the name is free
    second = await new_device(live_server, tmp_path / "again", "drsmith")
    assert second.signup["fingerprint"] != first.signup["fingerprint"]
    until = f"{datetime.now() + timedelta(days=4):%Y-%m-%d}"
    # the client shares with the new account, verified, annotate, never opting it in; the
    # fingerprint replaces the first drsmith's verified keys: said and agreed (REV-ERASED F2)
    shared = await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--until", until,
        "--fingerprint", second.signup["fingerprint"], "--no-safety-flags", input="y\n",
    )  # fmt: skip
    assert "these are not the keys you verified for drsmith on " in said(shared.stderr)
    rows = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    assert [r["safety_flags"] for r in rows if not r["expired"]] == [False], rows
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)  # that share ran out too
    notice = said((await ana.ok("sync")).stderr)
    assert "--full --until DATE`" in notice, notice  # this account was never opted in (by id)
    assert "--safety-flags" not in notice, notice
    later = f"{datetime.now() + timedelta(days=9):%Y-%m-%d}"
    renewed = said(
        (await ana.ok("share", "Personal", "drsmith", "--full", "--until", later)).stderr
    )
    assert "still on" not in renewed, renewed
    rows = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    current = [(r["role"], r["safety_flags"]) for r in rows if not r["expired"]]
    assert current == [("annotate", False)], rows


async def test_delete_by_the_id_a_notice_prints_never_deletes_a_journal_named_so(
    laptop: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "A dream")
    [dreams] = [j["id"] for j in await laptop.json("journal", "list") if j["name"] == "Dreams"]
    # a journal named like that id is refused (fix30l, nu77 F5); were one named so (by
    # another device, before), the words would name neither: see
    # tests/client/test_fix30l_journal_words.py
    named = await laptop.tj("journal", "create", dreams[:12])
    assert named.exit_code == 1 and "choose another name" in said(named.stderr), named.output
    await laptop.ok("journal", "create", dreams[:8])  # fewer digits may be a name
    await laptop.ok("write", "--journal", "Personal", "kept")
    await laptop.ok("journal", "archive", "Dreams")
    await laptop.ok("journal", "delete", dreams[:12], "--yes")
    held = {j["name"] for j in await laptop.json("journal", "list")}
    assert "Dreams" not in held and dreams[:8] in held, held


async def test_delete_by_id_says_who_keeps_a_copy_of_that_journal_not_of_its_namesake(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await outage.begin()
    await phone.ok("journal", "create", "Dreams")
    await phone.ok("write", "--journal", "Dreams", "Phone dream")
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Laptop dream")
    await outage.end()
    await phone.ok("sync")
    await laptop.ok("sync")
    dreams = [j["id"] for j in await laptop.json("journal", "list") if j["name"] == "Dreams"]
    shared, other = dreams
    await laptop.ok("share", shared[:12], "drsmith", "--fingerprint", drsmith.signup["fingerprint"])
    await laptop.ok("journal", "archive", other[:12])
    asked = said((await laptop.tj("journal", "delete", other[:12], input="no\n")).stderr)
    assert f"(id {other[:12]}" in asked, asked
    assert "drsmith" not in asked, asked  # drsmith never read this one


async def test_a_renewal_never_silently_undoes_a_withdrawal_made_on_another_device(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await laptop.ok(
        "share", "Personal", "drsmith", "--role", "annotate", "--safety-flags", "--until", until,
        "--fingerprint", drsmith.signup["fingerprint"], input="y\n",  # a new member: asked
    )  # fmt: skip
    await phone.ok("sync")
    await outage.begin()  # the phone is offline: the client withdraws every opt-in there
    withdrawn = await phone.ok("safety", "plan", "--no-share-flags")
    assert "share flags: no" in said(withdrawn.output), withdrawn.output
    await outage.end()
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)  # the share runs out
    await laptop.ok("sync")
    later = f"{datetime.now() + timedelta(days=5):%Y-%m-%d}"
    await laptop.ok("share", "Personal", "drsmith", "--full", "--until", later)
    phone_told = said((await phone.ok("sync")).output)
    laptop_told = said((await laptop.ok("sync")).output)
    plan = await laptop.json("safety", "plan")
    told = "safety flag" in (phone_told + laptop_told).replace("safety-flag", "safety flag")
    # flags reach no one: [] (an opt-in naming nobody current), or None (no opt-in at all:
    # the withdrawal stood, `SafetyPlan.flags_reach`'s documented "no opt-in")
    assert plan["flags_reach"] in ([], None) or (told and "withdr" in phone_told + laptop_told), (
        plan,
        phone_told,
        laptop_told,
    )
