"""A new user's run of the README (NU55): what a command printed for another device names,
what `tj write` and `tj logout` stopped by Ctrl-C say, and the smaller findings (real server
on loopback; a real `tj` process where a signal is sent)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from cli import editor
from client_sdk import Client
from client_sdk.store import STORE_FILE
from tests.conftest import RunningServer
from tests.e2e.test_sync_watch import AS_FROM_A_TERMINAL
from tests.test_cli import BARE, Device, Outage, outage  # noqa: F401 (the fixture)
from tests.test_cli_insights import new_device
from tests.test_cli_no_terminal import HANG


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_logout_the_server_was_not_told_of_names_the_revoke_for_another_device(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """F2: "until you run `tj --home HOME devices revoke ID` on another of your devices"
    named the home just logged out, where the pasted command failed ("no account on this
    device"): the command for another device names no profile."""
    ana = await new_device(live_server, tmp_path, "ana")
    await outage.begin()
    done = await ana.ok("logout", "--yes")
    await outage.end()
    said = flat(done.stderr)
    assert f"until you run `{BARE}tj devices revoke " in said, said
    assert str(ana.home) not in done.raw_stderr, done.raw_stderr


def holds_store(pid: int, store: Path) -> bool:
    """Whether process `pid` has the store file open (it is past its start, in the SDK)."""
    try:
        return any(
            os.readlink(f"/proc/{pid}/fd/{fd}") == str(store)
            for fd in os.listdir(f"/proc/{pid}/fd")
        )
    except OSError:
        return False


async def test_ctrl_c_while_a_write_waits_for_a_busy_store_says_nothing_was_saved(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F3: Ctrl-C while `tj write TEXT` waited for a store another program kept busy said
    "Stopped: what this device had saved is kept; `tj sync` sends what waits to be sent",
    read as the entry being queued, while nothing was saved and no draft kept. It says the
    entry was not saved, and keeps the text as a draft (as piped text is), with the command
    that saves it. A real `tj` process and SIGINT; the other program is a second SQLite
    connection holding the write lock."""
    ana = await new_device(live_server, tmp_path, "ana")
    store = (ana.home / STORE_FILE).resolve()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TJ_")}
    env["TJ_INSECURE_TEST_KDF"] = "1"
    other = sqlite3.connect(store, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program writing
        # SIGINT at its default, as from a terminal, however the suite was started (a suite
        # run in the background ignores SIGINT, and `tj` would inherit that: tests/README.md).
        process = await asyncio.create_subprocess_exec(
            *AS_FROM_A_TERMINAL, "--home", str(ana.home), "write", "Ctrl-C while busy", env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        for _ in range(int(HANG / 0.02)):  # until it has the store open: waiting for the lock
            if holds_store(process.pid, store) or process.returncode is not None:
                break
            await asyncio.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), HANG)
    finally:
        other.close()
    said = flat(stderr.decode())
    assert process.returncode == 130, said
    assert "Stopped before the entry was saved: nothing was written." in said, said
    assert "saved is kept" not in said and "sends what waits" not in said, said
    [draft] = (ana.home / "drafts").glob("*.md")
    assert editor.read_draft(draft) == "Ctrl-C while busy"
    assert f"The text you gave was not saved; it is kept in {draft}" in said, said
    assert await ana.json("list") == []
    await ana.ok("write", "--draft", str(draft))  # the command it names saves it
    assert [e["body"] for e in await ana.json("list")] == ["Ctrl-C while busy"]


async def test_ctrl_c_while_logout_tells_the_server_says_it_may_have_signed_out(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F4: `tj logout` stopped by Ctrl-C while telling the server said "`tj sync` sends what
    waits", which then failed: the server had ended the session. It says the server may
    have, and that `tj sync` tells which and how to log in again. (The interrupt is raised
    where the SDK's logout runs, as a Ctrl-C there does.)"""
    ana = await new_device(live_server, tmp_path, "ana")

    async def stopped(client: Client, **_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.main.logging_out", stopped)
    done = await ana.tj("logout", "--yes")
    assert done.exit_code == 130, done.output
    said = flat(done.stderr)
    assert "sends what waits" not in said, said
    assert "the server may already have ended this device's session" in said, said
    assert "`tj sync` says whether it did" in said, said


async def test_shares_log_syncs_first_and_counts_what_another_device_wrote(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F5: `tj shares log` on a device that had not synced counted fewer reads ("read 1
    entries" where the server logged 2) without saying so: it syncs first, as the listings
    do. Its help names an owner's view of a therapist's device by id, as it is shown."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    drlee = Device(tmp_path / "drlee", live_server.url)
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("write", "From the laptop.")
    await laptop.ok("share", "Personal", "drlee", "--role", "read", "--trust-on-first-use")
    await phone.ok("write", "From the phone.")
    await drlee.ok("sync")
    logged = await laptop.ok("shares", "log", "Personal")
    assert "drlee read 2 entries on " in logged.stdout, logged.stdout
    helped = flat((await laptop.ok("shares", "log", "--help")).stdout)
    assert "(device 3990398b845c)" in helped and "(laptop)" not in helped, helped


async def test_the_readme_says_a_gad7_band_as_it_is_shown(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F6: the README said GAD-7 bands are in lower case, while every view shows "Mild" (the
    data keeps "mild"): it says both, quoting what `tj measure take` prints."""
    ana = await new_device(live_server, tmp_path, "ana")
    taken = await ana.ok("measure", "take", "gad7", "--answers", "1,2,1,0,1,1,0")
    assert "score:   6 of 21 (Mild)" in taken.output, taken.output
    [result] = await ana.json("measure", "list")
    assert result["band"] == "mild"
    readme = flat((Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8"))
    said = readme[readme.index("GAD-7's are") :][:400]
    assert 'prints "6 of 21 (Mild)")' in said and "stored in lower case" in said, said


async def test_an_ended_share_goes_by_one_name_and_is_never_matched_to_an_own_journal(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F7: after ana's unshare, drlee's `tj shared-with-me` named the copy "ana (account
    1a2b3c4d)/Personal", while `tj journal list` and `tj forget`'s question named it
    "ana/Personal"; and once it was forgotten, `ana/Personal` was answered "did you mean
    'Personal'?", drlee's own, unrelated journal."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("write", "Shared.")
    await ana.ok("share", "Personal", "drlee", "--role", "read", "--trust-on-first-use")
    await drlee.ok("sync")
    await ana.ok("unshare", "Personal", "drlee", "--yes")
    await drlee.ok("sync")
    label = f"ana (account {(await ana.json('whoami'))['account_id'][:8]})/Personal"
    listed = await drlee.ok("shared-with-me")
    table = listed.stdout.split("\n\n")[0].split("Once you know")[0]  # its rows
    assert "ana/Personal" in table and "(account" not in table, listed.stdout
    assert f"`tj forget '{label}' --unlisted`" in flat(listed.stdout)  # a command: by account
    journals = await drlee.ok("journal", "list")
    assert "ana/Personal" in journals.stdout, journals.stdout
    assert "(account" not in journals.stdout, journals.stdout
    assert [j["name"] for j in await drlee.json("journal", "list") if not j["own"]] == [
        "ana/Personal"  # the data as it was
    ]
    refused = await drlee.tj("forget", "ana/Personal")  # no longer served: --unlisted
    assert f"`tj forget '{label}' --unlisted`" in flat(refused.stderr), refused.stderr
    asked = await drlee.tj("forget", "ana/Personal", "--unlisted", input="n\n")
    assert "Discard the copy of ana/Personal from" in flat(asked.stderr), asked.stderr
    done = await drlee.ok("forget", "ana/Personal", "--unlisted", "--yes")
    assert "Discarded the copy of ana/Personal from" in flat(done.stderr), done.stderr
    missing = await drlee.tj("shares", "log", "ana/Personal")
    assert missing.exit_code == 1, missing.output
    said = flat(missing.stderr)
    assert "no journal named 'ana/Personal' on this device" in said, said
    assert "did you mean" not in said, said


async def test_whoami_says_a_device_was_signed_out_once_a_sync_learned_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F8: after `tj devices revoke` on the laptop and a failed `tj sync` on the phone ("this
    device was signed out"), the phone's `tj whoami` said nothing of it."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    assert "Signed out" not in (await phone.ok("whoami")).stdout
    assert (await phone.json("whoami"))["signed_out_at"] is None
    phone_id = (await phone.json("whoami"))["device_id"]
    await laptop.ok("devices", "revoke", phone_id[:12], "--yes")
    refused = await phone.tj("sync")
    assert refused.exit_code == 1 and "signed out" in refused.stderr, refused.output
    said = flat((await phone.ok("whoami")).stdout)
    assert "Signed out: yes, as a sync here learned on " in said, said
    assert f"`tj login {live_server.url} ana` signs it in again" in said, said
    assert (await phone.json("whoami"))["signed_out_at"] is not None
    assert "Signed out" not in (await laptop.ok("whoami")).stdout


async def test_a_briefs_json_gives_counts_and_scores_as_integers(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F10: the brief's `--json`, read back from its stored document, gave `"checkins": 2.0`
    and `"score": 12.0`."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("write", "--mood", "6", "A day.")
    goal = (await ana.ok("goal", "add", "Walk", "--measure", "3 sessions")).stdout.strip()
    await ana.ok("goal", "checkin", goal)
    await ana.ok("measure", "take", "gad7", "--answers", "1,1,1,1,1,1,1")
    await ana.ok("measure", "take", "gad7", "--answers", "2,2,2,2,2,1,1")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await ana.ok("brief", "drsmith", "--yes")
    [brief] = await drsmith.json("briefs")
    digest = brief["digest"]
    assert digest["entries"] == 1 and type(digest["entries"]) is int, digest
    [row] = digest["goals"]
    assert row["checkins"] == 1 and type(row["checkins"]) is int, digest
    assert [r["score"] for r in digest["results"]] == [7, 12], digest
    assert all(type(r["score"]) is int for r in digest["results"]), digest
    [score] = digest["scores"]  # a change's numbers are whole too (NU73 F5: 9.0, 19865.0)
    for key in ("change", "since_baseline"):
        assert {k: v for k, v in score[key].items() if k in {"earlier", "later", "difference"}} == {
            "earlier": 7, "later": 12, "difference": 5,
        }, digest  # fmt: skip
        numbers = [score[key][k] for k in ("earlier", "later", "difference", "apart_ms")]
        assert all(type(n) is int for n in numbers), digest
    assert type(digest["mood_recent"]) is float, digest  # a mean stays a float


def test_counts_are_printed_with_their_thousands_grouped() -> None:
    """F10: `tj list` said "19,021 entries", `tj export` "Exported 19025 entries" and the
    sync summaries "19024 new entries": every count groups its thousands."""
    from cli import output
    from client_sdk.sync import News

    assert output.plural(19025, "entry", "entries") == "19,025 entries"
    assert str(News(19024, "entry", True, "laptop")) == "19,024 new entries from laptop"
    assert str(News(1998, "entry", False, "laptop")) == "1,998 updated entries from laptop"


async def test_smaller_wording_of_shares_devices_and_notices(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F10: "1 of them have item 9 answered above 0"; a device name said bare ("Renamed
    device ... to Ana's phone."), where every other name is quoted; and the first notice of a
    share printed by `tj shared-with-me` ended "(`tj shared-with-me` lists what is shared
    with you)", naming the command that printed it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    shared = await ana.ok(
        "share", "Personal", "drlee", "--only", "mood,tags,scores", "--trust-on-first-use"
    )
    assert "1 of them has item 9 answered above 0" in flat(shared.stderr), shared.stderr
    renamed = await ana.ok("devices", "rename", "Ana's phone")
    assert 'to "Ana\'s phone".' in flat(renamed.stderr), renamed.stderr
    [me] = [d for d in await ana.json("devices") if d["current"]]
    refused = await ana.tj("devices", "revoke", me["id"][:12], "--yes")
    assert refused.exit_code == 1
    assert f'Error: "Ana\'s phone" ({me["id"][:12]}) is this device' in flat(refused.stderr)
    listed = flat((await drlee.ok("shared-with-me")).output)
    assert "Notice: ana shared " in listed, listed
    assert "lists what is shared with you" not in listed, listed
