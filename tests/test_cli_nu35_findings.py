"""NU35's findings (a new user's walkthrough), each with the command that showed it (real
server on loopback, CliRunner, real crypto).

- #5: on a revoked device, `tj logout` said "run `tj sync`", which always fails there; `tj
  login` is what sends the waiting changes. Every message there names `tj login`, and that
  advice works.
- #4: `tj safety plan` showed "(default, or the one your therapist set)" and `--json` said
  `crisis_line: null` while the safety message used the line the therapist set.
- #6: after `tj leave`, the therapist's `tj assignments` said the client or the server may
  have ended the share.
- #7: an entry tagged "to-discuss" was in `tj brief` while `tj discuss` said "Nothing is
  marked to discuss."
- #9: small input edges: "today 7:30" refused (tested as "yesterday 7:30": today's 7:30 is
  still ahead before it, and refused then as in the future), a tab kept in a title, a goal
  past its target shown as "due", a "no" answered with a bare "Aborted!", and "Error: broken
  pipe" when the reader of stdout went away (a real `tj` process for that one).
- #8: a malformed id or a bad tag exited 1, a bad `--mood` 2: a value refused as given exits 2.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_no_terminal import HANG, TJ


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_revoked_device_names_tj_login_and_logging_in_sends_what_waited(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    device = (await phone.json("whoami"))["device_id"]
    await laptop.ok("devices", "revoke", device[:12], "--yes")
    login = f"`{phone.command} login {live_server.url} ana`"

    written = await phone.ok("write", "Written after the revoke.")
    assert f"{login} signs it in again and sends the changes to 1 item" in said(written.stderr)
    failed = await phone.tj("sync")
    assert failed.exit_code == 1
    assert f"{login} signs it in again and sends the changes to 1 item" in said(failed.stderr)
    assert f"`{phone.command} sync` cannot while it is signed out" in said(failed.stderr)
    listed = await phone.ok("list")  # a read says it too, and shows what the device has
    assert login in said(listed.stderr), listed.stderr

    refused = await phone.tj("logout", input="n\n")
    assert refused.exit_code == 1
    warning = said(refused.stderr)
    assert "run `tj sync`" not in warning, warning
    assert "this device was signed out, so `tj sync` cannot send them" in warning
    assert "logging out deletes them for good" in warning and login in warning
    assert (phone.home / "store.db").exists()  # refused: nothing deleted

    await phone.ok("login", live_server.url, "ana")  # the advice, followed
    titles = [e["body"] for e in await laptop.json("list")]
    assert "Written after the revoke." in titles
    done = await phone.ok("logout", "--yes")
    assert "discarded" not in done.stderr


async def test_logout_yes_on_a_revoked_device_says_what_it_discarded(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("devices", "revoke", (await phone.json("whoami"))["device_id"][:12], "--yes")
    await phone.ok("write", "Lost with the logout.")
    refused = await phone.tj("logout", "--yes")  # NU70 F16: lost only when said so
    assert refused.exit_code == 1 and "nothing was deleted" in said(refused.stderr)
    assert "if your account still exists, " in said(refused.stderr), refused.stderr
    done = await phone.ok("logout", "--yes", "--discard-unsynced")
    assert "Changes to 1 entry that had not reached the server were discarded." in said(
        done.stderr
    ), done.stderr


async def test_the_safety_plan_shows_the_crisis_line_the_therapist_set(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    plan = await ana.json("safety", "plan")
    assert (plan["crisis_line"], plan["crisis_line_in_use"]) == (None, None)
    assert (
        "crisis line:  (none set: the safety message names the default crisis lines)"
        in (await ana.ok("safety", "plan")).stdout
    )
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("safety", "crisis-line", "ana/Personal", "Samaritans: call 116 123")
    await ana.ok("sync")

    plan = await ana.json("safety", "plan")
    assert plan["crisis_line"] is None  # ana's own: none
    assert (plan["crisis_line_in_use"], plan["crisis_line_set_by"]) == (
        "Samaritans: call 116 123",
        "drsmith",
    )
    shown = (await ana.ok("safety", "plan")).stdout
    assert "crisis line:  Samaritans: call 116 123 (set by drsmith)" in shown, shown

    await ana.ok("safety", "plan", "--crisis-line", "Jo: 0700 000 000")  # her own wins
    plan = await ana.json("safety", "plan")
    assert (plan["crisis_line"], plan["crisis_line_in_use"], plan["crisis_line_set_by"]) == (
        "Jo: 0700 000 000",
        "Jo: 0700 000 000",
        None,
    )
    assert "crisis line:  Jo: 0700 000 000\n" in (await ana.ok("safety", "plan")).stdout


async def test_assignments_after_leaving_say_that_the_therapist_left(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    await drsmith.ok("assign", "ana/Personal", "measure", "gad7")
    await drsmith.ok("leave", "ana/Personal", input="y\n")

    listed = await drsmith.ok("assignments")
    told = said(listed.stderr + listed.stdout)
    assert "ended when you left this share (`tj leave`)" in told, told
    assert "may have ended or narrowed it" not in told and "withholding" not in told
    [item] = await drsmith.json("assignments", "--all")
    assert item["share_end"]["reason"] == "left"


async def test_discuss_names_the_entries_the_brief_lists_for_their_tag(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    await new_device(live_server, tmp_path, "drsmith")  # an account: checked first (NU36 #10)
    await ben.ok("write", "--tag", "to-discuss", "Tagged to discuss via tag")
    listed = await ben.ok("discuss")
    told = said(listed.stderr)
    assert "Nothing is marked to discuss." not in told
    assert "Nothing is marked with `tj discuss`." in told
    assert (
        "Also in your next brief where it covers their journal (the last 14 days): 1 entry "
        'tagged "to-discuss": Tagged to discuss via tag.' in told
    ), told
    brief = await ben.tj("brief", "drsmith", "--days", "14", "--journal", "Personal", input="n\n")
    assert "Tagged to discuss via tag" in brief.stdout  # the two agree

    marked = (await ben.ok("write", "Marked instead.")).stdout.strip()
    await ben.ok("discuss", marked[:8])
    listed = await ben.ok("discuss")
    assert "Marked instead." in listed.stdout and "Tagged to discuss via tag" not in listed.stdout
    assert "1 entry tagged" in said(listed.stderr)
    assert [m["id"] for m in await ben.json("discuss")] == [marked]  # --json: the marks


async def test_small_input_edges_of_nu35(live_server: RunningServer, tmp_path: Path) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    written = await ana.json("write", "--date", "yesterday 7:30", "--title", "Tab\there", "x")
    at = datetime.fromisoformat(written["created_at"]).astimezone()
    assert (at.hour, at.minute) == (7, 30)
    assert written["title"] == "Tab here"  # one line: the tab read as a space
    moment = datetime.fromisoformat(
        (await ana.json("write", "--date", "2026-11-30 9:05", "y"))["created_at"]
    ).astimezone()
    assert (moment.hour, moment.minute) == (9, 5)
    assert "\t" not in (await ana.ok("show", written["id"][:8])).stdout

    goal = (await ana.ok("goal", "add", "Walk", "--target", "2020-01-01")).stdout.strip()
    shown = (await ana.ok("goal", "show", goal[:8])).stdout
    assert "overdue 2020-01-01" in shown and "due 2020-01-01" not in shown.replace("overdue", "")
    assert "overdue" in (await ana.ok("insights", env={"COLUMNS": "160"})).stdout

    smiled = (await ana.ok("write", "A good day 😀 at last.")).stdout.strip()
    [hit] = await ana.json("search", "😀")
    assert hit["entry"]["id"] == smiled

    declined = await ana.tj("goal", "delete", goal[:8], input="n\n")
    assert declined.exit_code == 1 and "Aborted" not in declined.stderr
    assert declined.stderr.strip().endswith(
        "Not done: you answered no to \"Delete the goal 'Walk' and its 0 check-ins for good?\"."
    ), declined.stderr


async def test_a_closed_stdout_ends_tj_quietly(live_server: RunningServer, tmp_path: Path) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    for day in range(30):
        await ana.ok("write", f"Entry {day} " + "words " * 200)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env["TJ_INSECURE_TEST_KDF"] = "1"
    read, write = os.pipe()
    os.close(read)  # the reader went away before tj wrote (`tj list | head -0`)
    try:
        process = await asyncio.create_subprocess_exec(
            TJ, "--home", str(ana.home), "list", "--limit", "30",
            stdout=write, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
    finally:
        os.close(write)
    _, stderr = await asyncio.wait_for(process.communicate(), HANG)
    assert process.returncode == 141, stderr
    assert stderr.decode() == ""  # no "Error: broken pipe", no "Exception ignored"


async def test_a_value_refused_as_given_exits_2_and_a_failure_1(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    for args in (
        ("show", "zzzz"),
        ("show", "12"),
        ("write", "--tag", "", "x"),
        ("write", "--tag", "t" * 41, "x"),
        ("write", "--title", "t" * 201, "x"),
        ("measure", "take", "phq9", "--answers", "1,1,1"),
        ("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,4"),
        ("goal", "add", ""),
        ("journal", "create", ""),
        ("write", "--mood", "11", "x"),
        # NU36 #11: 29 digits, as read out with one missing
        ("share", "Personal", "drsmith", "--fingerprint", "58934 05164 41809 33280 61629 3340"),
    ):
        refused = await ana.tj(*args)
        assert refused.exit_code == 2, (args, refused.output)
        [line] = refused.stderr.strip().splitlines()
        assert line.startswith("Error: "), line
    assert (await ana.tj("show", "abcdef")).exit_code == 1  # well formed, not there: failed
    assert await ana.json("list") == []


async def test_a_tagged_entry_ending_in_a_full_stop_is_not_given_another(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU48 #6: `tj discuss` said "... my sister.. A tag counts ..."."""
    ben = await new_device(live_server, tmp_path, "ben")
    await ben.ok("write", "--tag", "to-discuss", "About my sister.")
    told = said((await ben.ok("discuss")).stderr)
    assert '"to-discuss": About my sister. A tag counts' in told and ".." not in told, told
