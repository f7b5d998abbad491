"""A new user's run of the README (NU61): the safety message at PHQ-9 item 9 names the plan
written on another device, one journal's plan whole, and the smaller findings (real server on
loopback; a real `tj` process where a signal is sent)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest

from client_sdk.store import STORE_FILE
from tests.conftest import RunningServer
from tests.e2e.test_sync_watch import TJ
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    failed_with_one_line,
    laptop,
    outage,
    phone,
)
from tests.test_cli_insights import new_device

ITEM_9 = "1\n1\n1\n1\n1\n1\n1\n1\n1\n\n"
"""A PHQ-9 answered on the terminal, item 9 above 0, the difficulty question skipped."""


def flat(text: str) -> str:
    return " ".join(text.split())


def first_box(stderr: str) -> str:
    """The safety message as shown the moment item 9 was answered (between its rules)."""
    rule = "=" * 72
    start = stderr.index(rule) + len(rule)
    return flat(stderr[start : stderr.index(rule, start)])


async def test_the_safety_message_at_item_9_names_the_plan_written_on_another_device(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """F1: the phone, not synced since the laptop wrote the plan, said at item 9 "You have
    not written a safety plan here yet", and the plan only after the result: `tj measure
    take` syncs before the form starts (as the README says), so the box shows the plan."""
    await laptop.ok("safety", "plan", "--emergency", "999", "--text", "Ring Jo, then walk.")
    taken = await phone.ok("measure", "take", "phq9", input=ITEM_9)
    box = first_box(taken.stderr)
    assert "Your safety plan: Ring Jo, then walk." in box, box
    assert "call 999" in box and "not written" not in taken.stderr, taken.stderr


async def test_offline_the_safety_message_says_the_plan_here_may_be_out_of_date(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """F1: when the sync before the form fails, the message never claims there is no plan: it
    says the plan on this device may be out of date (with or without one here)."""
    await laptop.ok("safety", "plan", "--text", "Ring Jo, then walk.")
    await outage.begin()
    taken = await phone.ok("measure", "take", "phq9", input=ITEM_9)
    said = flat(taken.stderr)
    assert "not written a safety plan" not in said, said
    box = first_box(taken.stderr)
    assert "could not sync just now, so the safety plan on it may be out of date" in box, box
    taken = await laptop.ok("measure", "take", "phq9", input=ITEM_9)  # a plan here
    box = first_box(taken.stderr)
    assert "Your safety plan, as this device last synced it" in box and "Ring Jo" in box, box


async def test_a_phq9_in_a_second_journal_shows_one_plan_whole(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F12: a PHQ-9 in a journal without a plan showed Personal's plan text with the default
    emergency numbers: the text, emergency number and crisis line come from one plan."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok(
        "safety", "plan", "--emergency", "999", "--crisis-line", "Samaritans 116 123",
        "--text", "Ring Jo, then walk.",
    )  # fmt: skip
    await ana.ok("journal", "create", "Work")
    taken = await ana.ok(
        "measure", "take", "phq9", "--journal", "Work", "--answers", "1,1,1,1,1,1,1,1,1"
    )
    said = flat(taken.stderr)
    assert "Your safety plan: Ring Jo, then walk." in said, said
    assert "call 999 or go" in said and "To talk to someone now: Samaritans 116 123." in said
    assert "112 in the European Union" not in said and "findahelpline" not in said
    await ana.ok("safety", "plan", "--journal", "Work", "--emergency", "911")  # its own plan
    taken = await ana.ok(
        "measure", "take", "phq9", "--journal", "Work", "--answers", "1,1,1,1,1,1,1,1,1"
    )
    said = flat(taken.stderr)
    assert "call 911 or go" in said and "Ring Jo" not in said and "Samaritans" not in said
    assert "You have not written a safety plan here yet" in said, said


CTRL_C_MID_IMPORT = textwrap.dedent(
    """
    import importlib.abc, os, signal, sys

    signal.signal(signal.SIGINT, signal.default_int_handler)  # as from a terminal
    module = sys.argv[1]

    class CtrlC(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == module:  # Ctrl-C pressed while tj imports this module
                os.kill(os.getpid(), signal.SIGINT)
            return None

    sys.meta_path.insert(0, CtrlC())
    sys.argv = ["tj", *sys.argv[2:]]
    from cli.main import main  # as the `tj` script does
    main()
    """
)


@pytest.mark.parametrize("module", ["cli.output", "click", "cli.sharing", "cli.search"])
async def test_ctrl_c_while_tj_starts_exits_130_without_a_traceback(
    tmp_path: Path, module: str
) -> None:
    """F3: Ctrl-C in the first ~0.2 s of any command printed a Python traceback from the
    middle of an import (exit -2): while `tj` starts it exits with status 130 and one line
    saying nothing was done (nu80 F6: it said nothing). A real process; the SIGINT is sent to
    itself as it imports `module` (no timing)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CTRL_C_MID_IMPORT, module, "--home", str(tmp_path), "list",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    stopped = b"\nStopped as tj started: nothing was done.\n"
    assert (process.returncode, out, err) == (130, b"", stopped), err.decode()


def epochs(device: Device) -> list[int]:
    """The key epochs of the journals on `device` (a new key: one more)."""
    with sqlite3.connect((device.home / STORE_FILE).resolve()) as store:
        return sorted(row[0] for row in store.execute("SELECT epoch FROM journals"))


async def test_unshare_of_a_mistyped_member_changes_nothing_and_suggests_the_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: `tj unshare Personal drle` (drlee mistyped) gave the journal a new key "anyway"
    and suggested no name: it changes nothing and says "did you mean drlee?" (and, since no
    account bears drle, no `--new-key` for a share made elsewhere: NU62)."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok(
        "share", "Personal", "drlee", "--full", "--fingerprint", drlee.signup["fingerprint"]
    )
    before = epochs(ana)
    said = failed_with_one_line(await ana.tj("unshare", "Personal", "drle", "--yes"))
    assert "'Personal' is not shared with drle (did you mean 'drlee'?): nothing was changed" in said
    # drle is no account at all: no share of it can be pending elsewhere (NU62 F12)
    assert said.endswith("nothing was changed; no account is named 'drle' on the server"), said
    assert "--new-key" not in said, said
    assert "anyway" not in said
    assert epochs(ana) == before
    [share] = [s for s in await ana.json("shares") if not s["expired"]]
    assert share["member"] == "drlee"
    done = await ana.tj("unshare", "Personal", "drle", "--yes", "--new-key")
    assert "the journal got a new key anyway" in failed_with_one_line(done)
    assert epochs(ana) != before


async def test_a_wrong_password_is_not_said_as_a_sign_in_that_took_too_long(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: "wrong username or password, or the sign-in took too long" for a mistyped
    password made a new user wonder whether the server was slow: a quick refusal says only
    the wrong username or password."""
    await new_device(live_server, tmp_path, "ana")
    other = Device(tmp_path / "other", live_server.url)
    for username in ("ana", "mya"):  # a wrong password; a mistyped username
        said = failed_with_one_line(
            await other.tj(
                "login", live_server.url, username, env={"TJ_PASSWORD": "not the password"}
            )
        )
        assert said == "Error: wrong username or password: try again", said


async def test_a_rename_quotes_both_names_alike(laptop: Device) -> None:  # noqa: F811
    """F8: "Renamed journal 'Dreams and\\nnightmares' to Night": one name quoted, the other
    not. Both are said the same way."""
    await laptop.ok("journal", "create", "Dreams and\\nnightmares")
    renamed = await laptop.ok("journal", "rename", "Dreams and\\nnightmares", "Night")
    said = renamed.stderr.strip()
    assert said == "Renamed journal 'Dreams and\\nnightmares' to 'Night'; synced.", said
    renamed = await laptop.ok("journal", "rename", "Night", "Dreams")
    assert renamed.stderr.strip() == "Renamed journal Night to Dreams; synced."


async def test_a_share_notice_quotes_a_name_with_a_backtick_as_other_messages_do(
    live_server: RunningServer,
    tmp_path: Path,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """F11: "Notice: Maya's \\x60work\\x60 stuff was shared with drkim from one of your
    devices": escaped but not quoted, neither readable nor to paste. The name is quoted as a
    shell would, as every other message gives it; a name of several words too."""
    drkim = await new_device(live_server, tmp_path, "drkim")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await phone.ok("journal", "create", "Ana's `work` stuff")
    await phone.ok("journal", "create", "Kim work")
    await laptop.ok("sync")  # the laptop knows the journals before they are shared
    await phone.ok("share", "Ana's `work` stuff", "drkim", "--full", *fingerprint)
    await phone.ok("share", "Kim work", "drkim", "--full", *fingerprint)
    synced = flat((await laptop.ok("sync")).stderr)
    assert (
        "$'Ana\\'s \\x60work\\x60 stuff' was shared with drkim from one of your devices" in synced
    ), synced
    assert "'Kim work' was shared with drkim from one of your devices" in synced, synced


async def tj_process(device: Device, *args: str, same_stream: bool) -> tuple[str, str]:
    """`tj --home HOME ARGS` as a real process: (stdout, stderr), each to its own pipe, or
    both to one (`same_stream`: stderr "" then)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env["TJ_INSECURE_TEST_KDF"] = "1"
    process = await asyncio.create_subprocess_exec(
        TJ, "--home", str(device.home), *args, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if same_stream else asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, (out, err)
    return out.decode(), (err or b"").decode()


async def test_a_sync_says_below_only_when_the_notices_come_below(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F13: `tj sync > sync.log` (or 2>/dev/null) got "1 share change (below)" with nothing
    below it: the notice is on stderr. "(below)" is said only when stdout and stderr go to
    the same place; the count stays."""
    ana = await new_device(live_server, tmp_path, "ana")
    drkim = await new_device(live_server, tmp_path, "drkim")
    for journal in ("Personal", "Work"):
        if journal != "Personal":
            await ana.ok("journal", "create", journal)
        await ana.ok("share", journal, "drkim", "--fingerprint", drkim.signup["fingerprint"])
    await drkim.ok("sync")
    await ana.ok("unshare", "Personal", "drkim", "--yes")
    out, err = await tj_process(drkim, "sync", same_stream=False)
    assert "1 share change" in out and "(below)" not in out, out
    assert "Notice: ana's 'Personal'" in flat(err), err
    await ana.ok("unshare", "Work", "drkim", "--yes")
    out, _ = await tj_process(drkim, "sync", same_stream=True)
    assert "1 share change (below)" in out, out
    assert out.index("(below)") < out.index("Notice: ana's 'Work'"), out


def test_two_shares_ending_the_same_day_are_one_flag_in_the_caseload_column() -> None:
    """F14: "share ends 2026-12-07 (end of day); share ends 2026-12-07 (end of day)" read as
    a duplicate: said once, with how many ("2 shares end ..."); the journals stay named below
    the table (`flag_details`)."""
    from cli.practice import flags_cell

    flags = [
        "PHQ-9 item 9 above 0",
        "share ends 2026-12-07 (end of day): maya/Personal",
        "share ends 2026-12-07 (end of day): maya/Personal (mood, tags) for drlee",
        "share ends 2026-12-09 (end of day): maya/Work",
    ]
    assert flags_cell(flags) == (
        "PHQ-9 item 9 above 0; 2 shares end 2026-12-07 (end of day); "
        "share ends 2026-12-09 (end of day)"
    )


async def test_a_mistyped_client_name_suggests_the_client(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4 (its last part): `tj assign mya ...` said "no journal named 'mya' on this device"
    with no suggestion, where a typo of a journal's name suggests it: the username of the
    client whose journal it names is suggested too."""
    maya = await new_device(live_server, tmp_path, "maya")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await maya.ok(
        "share", "Personal", "drlee", "--full", "--role", "annotate",
        "--fingerprint", drlee.signup["fingerprint"],
    )  # fmt: skip
    await drlee.ok("sync")
    said = failed_with_one_line(await drlee.tj("assign", "mya", "measure", "phq9"))
    assert "no journal named 'mya' on this device (did you mean 'maya'?)" in said, said
