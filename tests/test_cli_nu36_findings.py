"""NU36's findings (a new user's walkthrough), each with the commands that showed it (real
server on loopback, CliRunner, real crypto).

- #2: `tj safety plan` showed this device's stale plan without syncing or saying so.
- #4: renewing an ended share with the command the notice gave turned safety flags off.
- #1: a "journal deleted on another device" notice told the user to run `tj journal delete
  Dreams` by the name this device last knew; on a device where a live journal is named so
  too, that command deleted the live one for good. The notice names the journal by its id,
  and `tj journal delete NAME` refuses a name that a live journal and a read-only copy share.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    failed_with_one_line,
    laptop,
    outage,
    phone,
)
from tests.test_cli_insights import new_device

DAY_MS = 24 * 3600 * 1000
CLOCKS = ("replica", "context", "sharing", "shares", "practice", "safety_path", "measures", "care")


def move_clocks(live_server: RunningServer, monkeypatch: pytest.MonkeyPatch, ms: int) -> None:
    """The server's clock and the devices' clocks (the CLI runs in this process) `ms` later."""
    live_server.clock.now += ms
    later = live_server.clock.now
    for module in CLOCKS:
        monkeypatch.setattr(f"client_sdk.{module}.now_ms", lambda: later)


def said(text: str) -> str:
    return " ".join(text.split())


async def test_the_deleted_journal_notice_names_it_by_id_and_delete_refuses_a_shared_name(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    await outage.begin()
    await phone.ok("journal", "create", "Dreams")
    await phone.ok("write", "--journal", "Dreams", "Phone dream")
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok("write", "--journal", "Dreams", "Laptop dream")
    await outage.end()
    await phone.ok("sync")
    await laptop.ok("sync")
    await phone.ok("sync")
    dreams = {j["id"]: j for j in await laptop.json("journal", "list") if j["name"] == "Dreams"}
    assert len(dreams) == 2
    laptops = [
        i
        for i in dreams
        if [e["body"] for e in await laptop.json("list", "--journal", i)] == ["Laptop dream"]
    ]
    [gone] = laptops
    [live] = [i for i in dreams if i != gone]
    await laptop.ok("journal", "rename", gone[:12], "Night dreams")
    await laptop.ok("journal", "archive", "Night dreams")
    await laptop.ok("journal", "delete", "Night dreams", input="Night dreams\n")

    told = said((await phone.ok("sync")).stderr)
    assert f"`tj journal delete {gone[:12]}`" in told, told
    assert "`tj journal delete Dreams`" not in told
    assert gone[:12] in told.split("is no longer on the server")[0]

    # following the old advice: refused, both ids named, nothing deleted
    refused = failed_with_one_line(await phone.tj("journal", "delete", "Dreams", input="Dreams\n"))
    assert "2 journals are named 'Dreams'" in refused, refused
    assert gone[:12] in refused and live[:12] in refused
    refused = failed_with_one_line(await phone.tj("journal", "delete", "Dreams", "--yes"))
    assert gone[:12] in refused and live[:12] in refused
    held = {j["id"] for j in await phone.json("journal", "list")}
    assert {gone, live} <= held

    # the advice as given now: the prompt says which journal and what it holds
    asked = await phone.ok("journal", "delete", gone[:12], input="Dreams\n")
    prompt = said(asked.stderr)
    assert re.search(rf"Dreams \(id {gone[:12]}, gone from the server", prompt), prompt
    assert "(1 entry)" in prompt
    held = {j["id"] for j in await phone.json("journal", "list")}
    assert live in held and gone not in held
    await laptop.ok("sync")
    assert [e["body"] for e in await laptop.json("list", "--journal", live[:12])] == ["Phone dream"]


async def test_safety_plan_syncs_first_and_says_when_it_could_not(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """#2: `tj safety plan` on the phone showed "(no plan written yet)" while the laptop had
    written one, and the laptop kept the phone's older text: it syncs first now, and says
    so when it could not, with the time of the last sync."""
    await phone.ok("sync")
    await laptop.ok(
        "safety", "plan", "--emergency", "999", "--crisis-line", "Samaritans 116 123",
        "--text", "Ring Jo, then walk.",
    )  # fmt: skip
    shown = (await phone.ok("safety", "plan")).stdout
    assert "Ring Jo, then walk." in shown and "no plan written yet" not in shown, shown
    assert "Samaritans 116 123" in shown
    await phone.ok("safety", "plan", "--text", "Ring Jo, then walk. Breathe.")
    assert "Ring Jo, then walk. Breathe." in (await laptop.ok("safety", "plan")).stdout

    await outage.begin()
    offline = await laptop.ok("safety", "plan")
    assert "Ring Jo, then walk. Breathe." in offline.stdout  # what the device has, at once
    note = said(offline.stderr)
    assert (
        "Not synced (the server cannot be reached): showing what this device had at its last sync"
        in note
    ), note
    await outage.end()


async def test_renewing_an_ended_share_as_the_notice_says_keeps_safety_flags(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#4: the share (annotate, --safety-flags) reached its end date; the renewal the notice
    gave kept the role but dropped the opt-in, and a PHQ-9 item 9 = 2 sealed no flag. A
    renewal never signs an opt-in by itself (consent is the client's explicit act: rev-nu36a
    F1, F4), so the notice's command asks for it (`--safety-flags`, saying why) when the
    client had opted that account in for the share that ended, and renewing so keeps flags
    reaching them; without it the renewal says flags are off."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok(
        "share", "Personal", "drsmith", "--role", "annotate", "--safety-flags", "--until", until,
        "--fingerprint", drsmith.signup["fingerprint"], input="y\n",  # a new member: asked
    )  # fmt: skip
    await drsmith.ok("sync")
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    told = said((await ana.ok("sync")).stderr)
    renew = "`tj share Personal drsmith --full --until DATE --role annotate --safety-flags`"
    assert f"renew with {renew} (it keeps the share's role; you had chosen to send them" in told
    assert "--safety-flags keeps sending them" in told, told

    later = f"{datetime.now() + timedelta(days=5):%Y-%m-%d}"
    renewed = said(
        (
            await ana.ok(
                "share",
                "Personal",
                "drsmith",
                "--full",
                "--until",
                later,
                "--role",
                "annotate",
                "--safety-flags",
            )  # fmt: skip
        ).stderr
    )
    assert "Safety flags: on for drsmith" in renewed, renewed
    assert "does not carry over" not in renewed
    [row] = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    assert (row["role"], row["safety_flags"]) == ("annotate", True), row
    taken = await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2")
    assert "No safety flag was made" not in taken.output, taken.output
    await drsmith.ok("sync")
    assert len((await drsmith.json("safety", "flags"))["flags"]) == 1

    # a renewal without --safety-flags gives no opt-in: said, and no flag reaches them
    move_clocks(live_server, monkeypatch, 4 * DAY_MS)
    end = f"{datetime.now() + timedelta(days=20):%Y-%m-%d}"
    told = said((await ana.ok("sync")).stderr)
    assert "--until DATE --role annotate --safety-flags`" in told, told  # opted in for it
    plain = said((await ana.ok("share", "Personal", "drsmith", "--full", "--until", end)).stderr)
    assert "Safety flags: off for drsmith" in plain, plain  # nothing implied
    assert "a renewal never carries that choice over by itself: add --safety-flags" in plain
    [row] = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    assert (row["role"], row["safety_flags"]) == ("annotate", False), row


async def test_writing_to_ones_own_journal_gone_from_the_server_says_so_and_keeps_the_text(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """#6: writing to one's own journal deleted on another device said "the share of
    journal 'ana/Dreams' with this account ended", as to a therapist, and the text piped in
    was lost. It says what happened, and keeps the text as a draft that `--draft` saves."""
    await laptop.ok("journal", "create", "Dreams")
    await phone.ok("sync")
    await laptop.ok("journal", "delete", "Dreams", "--yes")
    await phone.ok("sync")
    refused = await phone.tj("write", "--journal", "Dreams", input="Flying again.\n")
    assert refused.exit_code == 1
    told = said(refused.stderr)
    assert "Dreams is no longer on the server: it was deleted on another of your devices" in told
    assert "share" not in told and "ana/Dreams" not in told, told
    found = re.search(r"The text you piped in was not saved; it is kept in (\S+) \(`", told)
    assert found, told
    draft = found.group(1)
    # the journal it was written for is refused: the user names another (NU72 F10)
    assert "saves it in the journal NAME you choose; --journal Dreams was refused" in told, told
    assert "`tj write --journal NAME --draft" in told, told
    await phone.ok("write", "--journal", "Personal", "--draft", draft)
    assert [e["body"] for e in await phone.json("list", "--journal", "Personal")] == [
        "Flying again."
    ]


async def test_a_brief_to_a_misspelt_account_is_refused_before_it_is_built_or_asked(
    laptop: Device,  # noqa: F811
) -> None:
    """#10: `tj brief drsmth` built and showed the whole digest, asked, and only then said
    "no account is named 'drsmth'"."""
    await laptop.ok("write", "--mood", "4", "A day to bring up.")
    refused = await laptop.tj("brief", "drsmth", input="y\n")
    line = failed_with_one_line(refused)
    assert "no account is named 'drsmth'" in line
    assert "Share this brief" not in refused.output and refused.stdout == ""


async def test_unshare_with_the_server_down_says_the_share_is_still_on(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """#12: `tj unshare` with the server down said only "cannot reach the server"; it says
    that the therapist still reads the journal, that nothing changed, and what to run."""
    carla = await new_device(live_server, tmp_path, "carla")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await carla.ok("share", "Personal", "drsmith", "--fingerprint", drsmith.signup["fingerprint"])
    await outage.begin()
    line = failed_with_one_line(await carla.tj("unshare", "Personal", "drsmith", "--yes"))
    assert "cannot reach the server" in line
    assert (
        "drsmith still reads Personal, nothing was changed; run `tj unshare Personal drsmith` "
        "again once the server answers"
    ) in line, line
    await outage.end()
    [row] = [s for s in await carla.json("shares") if s["journal"] == "Personal"]
    assert (row["member"], row["expired"]) == ("drsmith", False)


async def test_an_erased_clients_name_is_not_called_a_misspelling(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """#13: after eli erased their account, the therapist's `tj fingerprint eli` said "no
    account is named 'eli': check the spelling" of a name that was right."""
    eli = await new_device(live_server, tmp_path, "eli")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await eli.ok("share", "Personal", "drsmith", "--fingerprint", drsmith.signup["fingerprint"])
    await drsmith.ok("sync")
    await eli.ok("account", "delete", "--yes")
    await drsmith.ok("sync")
    line = failed_with_one_line(await drsmith.tj("fingerprint", "eli"))
    assert "no account is named 'eli' any more" in line and "check the spelling" not in line
    assert "most likely deleted" in line and f"{drsmith.command} forget" in line, line
    typo = failed_with_one_line(await drsmith.tj("fingerprint", "elli"))
    assert "no account is named 'elli' (did you mean 'eli'?): check the spelling" in typo


async def test_a_renewal_keeps_only_the_opt_in_given_for_the_share_it_renews(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#4's limit: an opt-in given for an earlier share, ended by an unshare, is not one for
    the share shared again without it (R37 F9), so renewing that one once it ran out keeps
    no flags: a renewal keeps the choice made for the share it renews, nothing older."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = ("--fingerprint", drsmith.signup["fingerprint"])
    await ana.ok(  # a new member: asked
        "share", "Personal", "drsmith", "--role", "annotate", "--safety-flags", *fingerprint,
        input="y\n",
    )  # fmt: skip
    await ana.ok("unshare", "Personal", "drsmith", "--yes")
    until = f"{datetime.now() + timedelta(days=1):%Y-%m-%d}"
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", "--until", until)
    move_clocks(live_server, monkeypatch, 3 * DAY_MS)
    await ana.ok("sync")
    later = f"{datetime.now() + timedelta(days=5):%Y-%m-%d}"
    renewed = said(
        (await ana.ok("share", "Personal", "drsmith", "--full", "--until", later)).stderr
    )
    assert "Renewed drsmith's share" in renewed and "still on" not in renewed, renewed
    assert "Safety flags: off for drsmith" in renewed
    [row] = [s for s in await ana.json("shares") if s["journal"] == "Personal"]
    assert (row["role"], row["safety_flags"]) == ("annotate", False), row


async def test_a_concerning_answer_in_another_journal_names_that_journals_safety_plan(
    laptop: Device,  # noqa: F811
) -> None:
    """#11 (the safety part): a PHQ-9 with item 9 above 0 taken in another journal than
    Personal said to write the plan with `tj safety plan --text ...`, which writes
    Personal's; `tj measure list` pointed at Personal's plan too."""
    await laptop.ok("journal", "create", "Weekly reflections")
    taken = await laptop.ok(
        "measure", "take", "phq9", "--journal", "Weekly reflections",
        "--answers", "1,1,1,1,1,1,1,1,2",
    )  # fmt: skip
    told = said(taken.stderr)
    assert "(`tj safety plan --journal 'Weekly reflections' --text 'YOUR PLAN'`)" in told, told
    listed = said((await laptop.ok("measure", "list")).output)
    assert "your safety plan: `tj safety plan --journal 'Weekly reflections'`" in listed, listed
    shown = said(
        (await laptop.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,1")).stderr
    )
    assert "(`tj safety plan --journal Personal --text 'YOUR PLAN'`)" in shown, shown  # named too
