"""fix32i: nu81's findings (F11, F10, F8, F9, F12, F13, F7). Real server on loopback, real
crypto; CliRunner."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest

from client_sdk import Client
from tests.conftest import RunningServer
from tests.offline_flag import flag_sealed_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401 (fixtures)
from tests.test_cli_fix30l_journal_words import said
from tests.test_cli_r22_departures import ana  # noqa: F401 (fixture)


def commands(text: str) -> list[list[str]]:
    """The words of each `tj ...` command in `text` (between backticks), "tj" left out."""
    return [shlex.split(w)[1:] for w in text.split("`") if w.startswith("tj ")]


async def test_a_bad_number_in_another_journals_plan_is_set_there(
    ana: Device,  # noqa: F811
) -> None:
    """nu81 F11: the plan of Work (not the default journal) holds a number no one could
    dial (an older tj wrote it); the command `tj safety plan` prints to set one named no
    journal, so it set the default journal's number and Work's stayed as it was."""
    await ana.ok("journal", "create", "Work")
    async with await Client.open(ana.home) as client:
        await client.safety._write_plan("Work", "call mum", None, None, None, None, imported=False)
    shown = said((await ana.ok("safety", "plan", "--journal", "Work")).stdout)
    [words] = [w for w in commands(shown) if "--emergency" in w]
    assert words[words.index("--journal") + 1] == "Work", shown
    words[words.index("NUMBER")] = "999"
    await ana.ok(*words)
    assert (await ana.json("safety", "plan", "--journal", "Work"))["emergency_number"] == "999"
    assert (await ana.json("safety", "plan"))["emergency_number"] is None


async def test_a_piped_write_to_a_mistyped_journal_prints_the_one_it_may_mean(
    ana: Device,  # noqa: F811
) -> None:
    """nu81 F10: `tj write --journal Dreamz` (Dreams exists) said "did you mean 'Dreams'?"
    but the draft's command named NAME: it names Dreams, and saves the text there."""
    await ana.ok("journal", "create", "Dreams")
    refused = await ana.tj("write", "--journal", "Dreamz", input="Flying again.\n")
    text = said(refused.stderr)
    assert refused.exit_code == 1, text
    assert "(did you mean 'Dreams'?)" in text, text
    [words] = [w for w in commands(text) if "--draft" in w]
    assert words[words.index("--journal") + 1] == "Dreams", text
    assert "saves it in 'Dreams'" in text, text
    assert "--journal Dreamz was refused" in text, text
    await ana.ok(*words)
    [entry] = await ana.json("list", "--journal", "Dreams")
    assert (await ana.json("show", entry["id"]))["body"] == "Flying again."


async def test_an_emergency_number_of_one_digit_is_refused(
    ana: Device,  # noqa: F811
) -> None:
    """nu81 F8: `--emergency 0` was kept, and the safety message named 0 as the number to
    call: no emergency number is a single digit (the shortest in use have two, as France's
    15, 17 and 18)."""
    await ana.ok("safety", "plan", "--emergency", "112")
    for number in ("0", "9", " 1 ", "+1", "(0)"):
        refused = await ana.tj("safety", "plan", "--emergency", number)
        assert refused.exit_code == 2, refused.output
        assert "it holds one digit only" in said(refused.stderr), refused.stderr
        assert (await ana.json("safety", "plan"))["emergency_number"] == "112"
    for number in ("15", "17", "112", "*1#2"):
        await ana.ok("safety", "plan", "--emergency", number)
        assert (await ana.json("safety", "plan"))["emergency_number"] == number
    async with await Client.open(ana.home) as client:  # as an older tj wrote one
        await client.safety._write_plan(None, "0", None, None, None, None, imported=False)
    answered = await ana.tj("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    message = said(answered.stderr)
    assert "call your local emergency number (for example 112" in message, message
    assert "call 0" not in message, message
    shown = said((await ana.ok("safety", "plan")).stdout)
    assert "emergency: 0 (not a phone number: it holds one digit only" in shown, shown


async def test_a_flag_that_may_not_have_been_delivered_is_told_on_lines_of_the_width(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """nu81 F12: the "may NOT have been delivered" line was one 600-character line the
    terminal cut mid-word, with two "so" clauses in a row and the end "signed on one of
    your devices" for a share that ended by its end date too."""
    drsmith, flag_id = await flag_sealed_offline(
        live_server, laptop, phone, tmp_path, [1, 1, 1, 1, 1, 1, 1, 1, 2]
    )
    assert flag_id is not None
    await laptop.ok("unshare", "Personal", "drsmith", "--yes")
    synced = await phone.ok("sync", env={"COLUMNS": "80"})
    lines = synced.stderr.splitlines()
    assert any("may NOT have been delivered" in line for line in lines), synced.stderr
    assert all(len(line) <= 80 for line in lines), synced.stderr
    text = said(synced.stderr)
    assert "so this device cannot tell whether it reached them first, so" not in text, text
    assert "signed on one of your devices)" not in text, text
    assert "They may never see it while the share stays ended." in text, text


async def test_ctrl_c_in_a_questionnaire_says_stopped_on_a_line_of_its_own_and_what_next(
    ana: Device,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nu81 F13: Ctrl-C at the third PHQ-9 question printed "Stopped: ..." on the prompt's
    line ("   answer: ^CStopped: ...") and no next step."""
    await ana.ok("journal", "create", "Work")
    given = ["0", "1"]

    def prompt(text: str, *_: object, **__: object) -> str:
        click.echo(f"{text}: ", nl=False, err=True)  # the prompt, the cursor after it
        if given:
            click.echo(given[0], err=True)
            return given.pop(0)
        try:  # as click.prompt turns Ctrl-C into Abort
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise click.Abort() from None

    monkeypatch.setattr("click.prompt", prompt)
    stopped = await ana.tj("measure", "take", "phq9", "--journal", "Work")
    assert stopped.exit_code == 130, stopped.output
    [line] = [s for s in stopped.stderr.splitlines() if "Stopped:" in s]
    assert line.startswith("Stopped: nothing was saved of this PHQ-9"), stopped.stderr
    text = said(stopped.stderr)
    assert "`tj measure take phq9 --journal Work` starts it again" in text, text
    monkeypatch.undo()
    again = await ana.tj("measure", "take", "phq9", "--journal", "Work", input="0\n" * 9 + "\n")
    assert again.exit_code == 0, again.output
    assert [r["journal"] for r in await ana.json("measure", "list")] == ["Work"]


async def test_a_search_refuses_an_option_it_does_not_take(
    ana: Device,  # noqa: F811
) -> None:
    """nu81 F7: `tj search sleep --mood 3` searched for the words "sleep --mood 3" and said
    no entry matched; a mistyped option is refused, naming the options and `--`."""
    await ana.ok("write", "Could not sleep.", "--mood", "3")
    for words in (["sleep", "--mood", "3"], ["--sinse", "2026-01-01", "sleep"], ["--mood=3"]):
        refused = await ana.tj("search", *words)
        assert refused.exit_code == 2, refused.output
        text = said(refused.stderr)
        name = words[0] if words[0].startswith("--") else words[1]
        name = name.split("=")[0]
        assert f"`tj search` has no option {name}" in text, text
        assert "--journal, --tag, --since, --until, --limit, --json" in text, text
        at = next(i for i, word in enumerate(words) if word.startswith("--"))
        again = " ".join(["tj search", *words[:at], "--", *words[at:]])
        assert f"`{again}` searches for {words[at]!r} as a word too" in text, text  # rev32d F2
    assert len(await ana.json("search", "sleep", "--since", "2026-01-01")) >= 1
    assert len(await ana.json("search", "sleep", "-work")) >= 1  # an excluded word
    searched = await ana.tj("search", "--", "--mood")  # searched for, as README says
    assert searched.exit_code == 0, searched.output
    assert "No entries match '--mood'." in said(searched.stderr), searched.output


async def test_a_signup_of_the_account_a_home_holds_prints_commands_that_can_work(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu81 F4: `tj signup URL ana` on a home signed in to ana printed `tj --home NEW_DIR
    signup URL ana`, refused as printed (the username ana is taken): it names USERNAME,
    and `tj --home NEW_DIR login URL ana` to sign ana in on another device, which works."""
    first = Device(tmp_path / "laptop", live_server.url)
    await first.ok("signup", live_server.url, "ana")
    again = await first.tj("signup", live_server.url, "ana")
    assert again.exit_code == 1, again.output
    text = said(again.stderr)
    assert f"signup {live_server.url} ana`" not in text, text
    assert f"`tj --home NEW_DIR signup {live_server.url} USERNAME`" in text, text
    [login] = [w for w in commands(text) if "login" in w]
    assert login == ["--home", "NEW_DIR", "login", live_server.url, "ana"], text
    second = Device(tmp_path / "phone", live_server.url)
    await second.ok(*login[2:])
    assert (await second.json("whoami"))["username"] == "ana"


async def test_a_login_never_takes_a_device_of_the_default_name_for_its_earlier_session(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """nu81 F6: two homes signed in without --device-name (both "device"): the second's
    login said the first, a live device in another home, may be "this device's earlier
    session" and printed the command that signs it out. The default name alone says
    nothing of that."""
    first = Device(tmp_path / "laptop", live_server.url)
    await first.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    second = Device(tmp_path / "phone2", live_server.url)
    await second.ok("login", live_server.url, "ana")
    third = Device(tmp_path / "new4", live_server.url)
    signed_in = await third.ok("login", live_server.url, "ana")
    assert "Another device named" not in said(signed_in.stderr), signed_in.stderr
    assert [d["name"] for d in await third.json("devices")].count("device") == 2


async def test_ctrl_c_before_a_login_asks_the_server_names_the_login_too(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nu81 F3: Ctrl-C in `tj login` before it asked the server (at the password, or while
    its key is derived) said only "Stopped: this device is not signed in to an account.":
    the command that signs it in is said whenever the stop leaves it signed out."""
    await Device(tmp_path / "laptop", live_server.url).ok("signup", live_server.url, "ana")
    device = Device(tmp_path / "phone", live_server.url)

    def ctrl_c(*_: object, **__: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("cli.main.Home.password", ctrl_c)
    stopped = await device.tj("login", live_server.url, "ana")
    assert stopped.exit_code == 130, stopped.output
    login = f"`tj login {live_server.url} ana`"
    assert said(stopped.stderr) == (
        f"Stopped: this device is not signed in to an account; {login} signs it in."
    ), stopped.stderr
    monkeypatch.undo()
    await device.ok("login", live_server.url, "ana")
