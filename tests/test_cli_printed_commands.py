"""What the CLI prints around the commands it advises, against a real server on loopback
with real crypto (see tests/test_cli.py for the set-up): Ctrl-C before a profile exists,
`tj unshare` by id, titles and prompts beside a command, a first due date, words kept from
an entry deleted elsewhere, invisible variation selectors, and one rule for `--home`."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, outage, run_tj, succeeded  # noqa: F401
from tests.test_cli_insights import new_device
from tests.test_cli_nu22_merge_edges import two_devices

TOFU = "--trust-on-first-use"


def flat(text: str) -> str:
    return " ".join(text.split())


def ctrl_c(*_: object, **__: object) -> str:
    raise KeyboardInterrupt


@pytest.mark.parametrize("command", ["signup", "login"])
async def test_ctrl_c_at_the_password_prompt_of_a_new_profile_names_no_sync(
    live_server: RunningServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """Ctrl-C at `tj signup`'s or `tj login`'s password prompt: no profile exists, so the
    line names no `tj sync` (which would fail: no account on this device)."""
    if command == "login":
        await Device(tmp_path / "first", live_server.url).ok("signup", live_server.url, "ana")
    device = Device(tmp_path / "new", live_server.url)
    monkeypatch.setattr("cli.main.secret_prompt", ctrl_c)
    stopped = await device.tj(command, live_server.url, "ana", env={"TJ_PASSWORD": None})
    assert stopped.exit_code == 130, stopped.output
    assert "Aborted" not in stopped.output and "sync" not in stopped.stderr, stopped.stderr
    # a login names itself, which signs it in (nu81 F3); a signup has nothing to repeat
    again = f"; `tj login {live_server.url} ana` signs it in" if command == "login" else ""
    assert flat(stopped.stderr) == (
        f"Stopped: this device is not signed in to an account{again}."
    ), stopped.stderr


async def test_ctrl_c_after_a_signup_made_the_account_says_only_to_run_it_again(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the server made the account, before its recovery key was shown: one
    line, `tj signup` again for this profile (with its --home), and no `tj sync` beside it."""
    device = Device(tmp_path / "laptop", live_server.url)

    async def stopped(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.main.new_account", stopped)
    result = await device.tj("signup", live_server.url, "ana")
    assert result.exit_code == 130, result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Stopped: the signup of ana did not finish"), line
    assert f"run `{device.command} signup {live_server.url} ana` again" in line, line
    assert "sync" not in line
    monkeypatch.undo()
    finished = await device.ok("signup", live_server.url, "ana")
    assert "Finished the signup of ana" in finished.stderr, finished.stderr


async def test_one_rule_for_home_with_tj_home_set(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With $TJ_HOME (no --home), Ctrl-C's `tj sync` names the profile as an error's advice
    does: with --home, so that it runs against this profile when pasted in another shell."""
    device = Device(tmp_path / "laptop", live_server.url)
    await device.ok("signup", live_server.url, "ana")

    async def stopped(*_: object, **__: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("client_sdk.client.Client.sync", stopped)
    result = await run_tj(["sync"], env={"TJ_HOME": str(device.home)})
    assert result.exit_code == 130, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"Stopped: nothing was lost; run `{device.printed} sync` again."
    ), result.stderr


async def test_unshare_by_id_or_in_another_case_does_not_name_the_journal_as_its_copy(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj unshare ID MEMBER` (the form the CLI prints for a name that cannot be pasted) and
    a name typed in another case: the journal is named as itself, never as one of its
    copies; a copy that ended with it still is."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Work")
    await ana.ok("share", "Work", "drlee", TOFU)
    await ana.ok("share", "Personal", "drlee", "--only", "mood,tags")
    [work] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == "Work"]

    by_id = flat((await ana.ok("unshare", work[:12], "drlee", "--yes")).stderr)
    assert "Stopped sharing 'Work' with drlee; the journal has a new key" in by_id, by_id
    assert "including" not in by_id, by_id
    other_case = flat((await ana.ok("unshare", "personal", "drlee", "--yes")).stderr)
    assert (
        "Stopped sharing 'Personal' with drlee, including what you shared of it as "
        "'Personal (mood, tags) for drlee'; each has a new key"
    ) in other_case, other_case


def spans(text: str) -> list[str]:
    return re.findall(r"`([^`]*)`", " ".join(text.split()))


async def test_a_goal_title_and_a_therapists_prompt_read_as_no_command_beside_a_real_one(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """After `tj goal checkin` (and `tj goal undo`), the goal's title is printed quoted as a
    name, a backtick written as an escape: the only command in backticks is the CLI's own
    `tj goal done`; `tj prompt` prints a therapist's prompt with its backticks escaped, the
    only command `tj write --prompt ID`."""
    ana = await new_device(live_server, tmp_path, "ana")
    title = "Run `tj goal done 1234` now"
    goal_id = (await ana.ok("goal", "add", "--measure", "1 sessions", "--", title)).stdout.strip()
    checked = await ana.ok("goal", "checkin", goal_id[:8])
    assert spans(checked.stdout) == [], checked.stdout
    assert checked.stdout.startswith("$'Run \\x60tj goal done 1234\\x60 now': 1/1"), checked.stdout
    assert spans(checked.stderr) == [f"tj goal done {goal_id[:12]}"], checked.stderr
    [checkin] = (await ana.json("goal", "show", goal_id[:8]))["checkins"]
    undone = await ana.ok("goal", "undo", goal_id[:8], checkin["id"][:6], "--yes")
    assert spans(undone.stdout) == [] and "\\x60tj goal done 1234\\x60" in undone.stdout

    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--role", "annotate", TOFU)
    await drsmith.ok("sync")
    asked = "What would `tj journal delete Personal --yes` change?"
    prompt_id = (await drsmith.ok("note", "ana/Personal", "--prompt", asked)).stdout.strip()
    suggested = await ana.ok("prompt")
    assert spans(suggested.output) == [f"tj write --prompt {prompt_id}"], suggested.output
    assert "What would \\x60tj journal delete Personal --yes\\x60 change?" in suggested.stdout


async def test_a_measure_assigned_from_a_past_start_is_first_due_when_tj_due_says(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj assign ... --starts YESTERDAY` after a PHQ-9 taken today: that result counts, so it
    is first due in the next period, as `tj assign` now says (it said the start) and as
    `tj due` has it."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", "--full", "--role", "annotate", TOFU)
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,0")
    [result] = await ana.json("measure", "list")
    taken = datetime.fromisoformat(result["taken_at"])
    await drlee.ok("sync")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assigned = await drlee.ok(
        "assign", "ana/Personal", "measure", "phq9", "--every", "7", "--starts", yesterday
    )
    starts = datetime.fromisoformat(yesterday).astimezone()
    due = starts + timedelta(days=7)  # the next period: the result counts for the first
    said = flat(assigned.stderr)
    assert (
        f"first due {due:%Y-%m-%d %H:%M}, the next period: the PHQ-9 of "
        f"{taken.astimezone():%Y-%m-%d %H:%M} (0, None-minimal) counts for the one from "
        f"{starts:%Y-%m-%d %H:%M};"
    ) in said, said
    [listed] = await drlee.json("assignments", "--journal", "ana/Personal")
    assert datetime.fromisoformat(listed["due_at"]) == due
    await ana.ok("sync")
    [mine] = await ana.json("assignments")
    assert datetime.fromisoformat(mine["due_at"]) == due  # as the client's `tj due` has it


async def deleted_while_appended_offline(
    live_server: RunningServer, tmp_path: Path, server_down: Outage, journal: str
) -> tuple[Device, str]:
    """The laptop deletes an entry of `journal` for good while the server is down; the
    phone appends to it meanwhile. Returns the phone, before its sync, and the entry id."""
    laptop, phone = await two_devices(live_server, tmp_path)
    await laptop.ok("journal", "create", journal)
    [made] = [j["id"] for j in await laptop.json("journal", "list") if j["name"] != "Personal"]
    entry = (await laptop.ok("write", "--journal", made, "Old text.")).stdout.strip()
    await phone.ok("sync")
    await server_down.begin()
    await laptop.ok("delete", entry[:8], "--yes")
    await laptop.ok("trash", "empty", "--yes")
    await phone.ok("edit", entry[:8], "--append", " Phone addition after delete")
    await server_down.end()
    await laptop.ok("sync")
    return phone, made


async def test_words_kept_from_an_entry_of_a_journal_whose_name_cannot_be_pasted(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """The kept words' `tj write --draft` names the entry's journal by id when its name
    cannot be pasted (a backtick in it; a private-use character or a zero-width space,
    which journal names made here now refuse, was the same): it saved them to Personal
    instead."""
    phone, journal_id = await deleted_while_appended_offline(
        live_server, tmp_path, outage, "Night`notes"
    )
    said = flat((await phone.ok("sync")).stderr)
    assert "could not be kept" not in said, said
    [draft] = sorted((phone.home / "drafts").glob("*.md"))
    save = f"{phone.command} write --journal {journal_id[:12]} --draft {draft}"
    assert f"`{save}` saves them as a new entry." in said, said
    succeeded(await phone.tj(*save.split()[1:]))  # as shown: `tj` with this profile
    [kept] = await phone.json("list", "--journal", journal_id)
    assert kept["body"] == "Phone addition after delete"
    assert await phone.json("list", "--journal", "Personal") == []


async def test_words_that_cannot_be_kept_as_a_draft_are_said_and_the_sync_goes_on(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    """The drafts folder cannot be made (a file of that name; a full or read-only disk
    alike): the sync says the words could not be kept and why, in one line without a
    traceback, and ends as it does otherwise (exit 0, its summary printed)."""
    phone, _ = await deleted_while_appended_offline(live_server, tmp_path, outage, "Work")
    (phone.home / "drafts").write_text("not a folder")
    synced = await phone.ok("sync")
    said = flat(synced.stderr)
    assert "Traceback" not in synced.output and "Error" not in said, synced.output
    assert (
        "the edit went with it. The words this device added could not be kept as a draft "
        f"(cannot use {phone.home / 'drafts'}: file exists)."
    ) in said, said
    assert synced.stdout.strip(), synced.output  # the summary, after it


def test_variation_selectors_are_invisible_in_a_printed_name() -> None:
    """A variation selector (U+FE00-FE0F, U+E0100-E01EF; the Mongolian ones) is drawn as
    nothing: a name holding one is not typed back by name in a printed command."""
    from cli.output import journal_word
    from cli.terminal import pasteable

    for selector in ("\ufe00", "\ufe0f", "\U000e0100", "\U000e01ef", "\u180b", "\u180f"):
        assert not pasteable(f"Vs{selector}"), hex(ord(selector))
        assert journal_word(f"Vs{selector}", "ab" * 16) == "ab" * 6
    assert pasteable("Vs") and pasteable("Caf\u00e9")


async def test_a_journal_with_a_variation_selector_is_named_by_id_in_a_printed_command(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj unshare Personal drlee` names what else drlee still reads with the command that
    ends it: a journal named 'Vs' and a variation selector is named there by its id, never
    as 'Vs' (which reads as another journal)."""
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drlee")
    await ana.ok("journal", "create", "Vs\ufe0f")
    [vs] = [j["id"] for j in await ana.json("journal", "list") if j["name"] != "Personal"]
    await ana.ok("share", "Personal", "drlee", TOFU)
    await ana.ok("share", vs[:12], "drlee")
    ended = flat((await ana.ok("unshare", "Personal", "drlee", "--yes")).stderr)
    assert f"this ends it: `tj unshare {vs[:12]} drlee`" in ended, ended
