"""nu84 F1, F5: the "share again" command printed after a therapist leaves keeps the end date
of the share they left, and the fingerprint the owner-signed chain holds for them, so that it
works as printed on the client's other device and shares no longer than the client chose."""

from __future__ import annotations

import re
import shlex
from datetime import date, datetime
from pathlib import Path

from cli import output
from client_sdk import departures
from client_sdk.sync import News, SyncReport
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_share_again_after_a_leave_keeps_the_end_date_and_works_as_printed_on_the_phone(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", live_server.url)
    await phone.ok("login", live_server.url, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    end = date(date.today().year + 1, 6, 30).isoformat()
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--until", end,
        "--fingerprint", fingerprint,
    )  # fmt: skip
    await phone.ok("sync")
    await drsmith.ok("sync")
    await drsmith.ok("leave", "ana/Personal", "--yes")
    synced = await phone.ok("sync")  # the device that never compared drsmith's fingerprint
    [line] = [
        line for line in unwrapped(synced.stderr).splitlines() if "did not mean to leave" in line
    ]
    found = re.search(r"share again: `tj (share [^`]*)`", line)
    assert found, line
    words = shlex.split(found.group(1))
    assert words == [
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--until", end,
        "--fingerprint", fingerprint,
    ], line  # fmt: skip
    shared = await phone.tj(*words, input="")  # exactly as printed, no question to answer
    assert shared.exit_code == 0, shared.output
    [share] = await phone.json("shares")
    assert share["member"] == "drsmith" and share["role"] == "annotate", share
    expires = datetime.fromisoformat(share["expires_at"]).astimezone()
    assert expires.date().isoformat() > end and (expires.hour, expires.minute) == (0, 0), share


def test_share_again_after_a_leave_asks_for_a_new_end_date_once_the_old_one_is_past() -> None:
    """nu84 F1: the end date they held has passed since they left: the command printed is
    not the unlimited share (it names DATE, which `--until` refuses), and it says when the
    old share was to end."""
    held = datetime(2020, 6, 30, 0, 0).astimezone()  # midnight after 2020-06-29, local
    report = SyncReport()
    report.departures.append(
        departures.Departure(
            "drsmith", "Personal", "00" * 16, departures.LEFT, 1,
            held_role="annotate", held_until=int(held.timestamp() * 1000),
            held_fingerprint="12345 12345 12345 12345 12345 12345",
        )
    )  # fmt: skip
    [_, again] = output.departure_lines(report)
    assert again.startswith("  If they did not mean to leave, share again: "), again
    assert output.shown(again).endswith(
        "`tj share Personal drsmith --full --role annotate --until DATE --fingerprint "
        "'12345 12345 12345 12345 12345 12345'` (the share they left was to end 2020-06-29 "
        "(end of day), which is past: give a new end date, or never)"
    ), again


async def test_leave_names_the_unacknowledged_safety_flag_and_the_ack_to_run_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu84 F3: the question of `tj leave` said nothing of a safety flag not marked read, which
    afterwards cannot be (`tj safety ack` refused), and the client was told it may not have
    been delivered."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    short = flag["id"][:12]
    asked = await drsmith.tj("leave", "ana/Personal", input="n\n")
    said = unwrapped(asked.stderr)
    assert (
        f"But 1 safety flag of it is not marked read by you ({short}, raised " in said
        and f'Mark it read first with `tj safety ack {short}`.".' in said
    ), said
    left = " ".join((await drsmith.ok("leave", "ana/Personal", "--yes")).stderr.split())
    assert f"1 safety flag of it was not marked read by you ({short}, raised " in left, left
    assert left.endswith("tell ana yourself that you saw it."), left


async def test_leave_after_the_flag_is_acknowledged_says_nothing_of_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    await drsmith.ok("sync")
    [flag] = (await drsmith.json("safety", "flags"))["flags"]
    await drsmith.ok("safety", "ack", flag["id"][:12])
    left = await drsmith.ok("leave", "ana/Personal", "--yes")
    assert "safety flag" not in unwrapped(left.stderr), left.stderr


def test_sync_watch_says_where_to_see_a_new_safety_flag() -> None:
    """nu84 F6: `tj sync --watch` printed "1 new safety flag from ana" with no command, where a
    plain `tj sync` says "Safety: ...: see `tj safety flags` and `tj caseload`"."""
    report = SyncReport()
    report.news.append(News(1, "safety_flag", True, "ana"))
    report.news.append(News(1, "measure", True, "ana"))
    lines = [output.shown(line) for line in output.watch_lines(report)]
    assert lines[0] == (
        "Safety: 1 new safety flag from ana: see `tj safety flags` and `tj caseload`."
    ), lines
    assert not any("Safety" in line for line in lines[1:]), lines


async def test_the_safety_messages_plan_command_run_as_printed_saves_no_plan(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu84 F2: `tj safety plan --journal Personal --text ...`, as the safety message printed
    it, saved a plan reading "..." shown in every later safety message."""
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    found = re.search(r"\(`tj (safety plan [^`]*)`\)", " ".join(taken.stderr.split()))
    assert found, taken.stderr
    words = shlex.split(found.group(1))
    assert words == ["safety", "plan", "--journal", "Personal", "--text", "YOUR PLAN"], words
    for text in ("YOUR PLAN", "...", " ... "):
        refused = await ana.tj(*words[:-1], text)
        assert refused.exit_code == 2, refused.output
        assert "write your own plan in place of" in refused.output, refused.output
    plan = await ana.json("safety", "plan")
    assert not plan.get("plan"), plan
    await ana.ok("safety", "plan", "--text", "Call Sam; walk to the park.")
    assert (await ana.json("safety", "plan"))["plan"] == "Call Sam; walk to the park."


async def test_signup_with_a_taken_username_names_the_login_of_ones_own_account(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu84 F7: a user setting up a second device with `tj signup` of their own username was
    told only "choose another one"."""
    await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    refused = await phone.tj("signup", live_server.url, "ana")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code == 1, refused.output
    assert said.startswith("Error: the username ana is taken: choose another one"), said
    login = f"`tj login {live_server.url} ana`"  # as the tests see this profile's commands
    assert said.endswith(f"if it is your own account, sign it in on this device instead: {login}")
    logged = await phone.ok("login", live_server.url, "ana")  # as said: it works
    assert logged.exit_code == 0
