"""What `tj` says, in plain words: share ends as the user gave them, where single items went,
confirmations, and errors without internal codes unless --verbose (real server, CliRunner)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, failed_with_one_line, outage  # noqa: F401 (fixture)
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_share_confirmations_name_the_day_given_the_items_journal_and_the_trust_flag(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    unconfirmed = failed_with_one_line(await ana.tj("share", "Personal", "drsmith"))
    assert "--trust-on-first-use" in unconfirmed and "--fingerprint" in unconfirmed

    fingerprint = ("--fingerprint", drsmith.signup["fingerprint"])
    shared = await ana.ok(
        "share", "Personal", "drsmith", "--full", "--until", "2027-06-30", *fingerprint
    )
    assert "until 2027-06-30 (end of day)" in said(shared.stderr)
    assert "2027-07-01" not in shared.stderr
    assert "2027-06-30 (end of day)" in (await ana.ok("shares")).stdout

    entry = (await ana.ok("write", "--mood", "4", "A day.")).stdout.strip()
    taken = await ana.json("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    one = said((await ana.ok("share-entry", entry[:8], "drsmith")).stderr)
    # the entry's id as `tj write` shows it, not the prefix typed (NU32 #12)
    assert f"Shared entry {entry[:12]} with drsmith, in the journal 'Shared with drsmith'" in one
    assert "to stop: `tj unshare 'Shared with drsmith' drsmith`" in one
    result = said((await ana.ok("measure", "share", taken["id"][:8], "drsmith")).stdout)
    assert result.startswith("Shared the score and answers with drsmith, in the journal")
    assert "in Shared with drsmith" not in result

    brief = said((await ana.ok("brief", "drsmith", "--yes", "--until", "2027-01-15")).stderr)
    assert "Shared the brief with drsmith until 2027-01-15 (end of day)." in brief
    assert "+00:00" not in brief

    verified = said((await ana.ok("verify", "drsmith", drsmith.signup["fingerprint"])).stderr)
    assert verified == (  # compared when shared above (NU38 #2: "Verified" as if new)
        "drsmith's keys were already verified on this device (they match the fingerprint you "
        "compared): nothing changed."
    )


async def test_setting_a_clients_crisis_line_is_confirmed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--trust-on-first-use"
    )
    await drsmith.ok("sync")
    done = said(
        (await drsmith.ok("safety", "crisis-line", "ana/Personal", "Samaritans 116 123")).stderr
    )
    assert done == (
        "Set the crisis line of ana/Personal to 'Samaritans 116 123': ana sees it with "
        "the safety message when they have not set their own, here or in a plan they wrote "
        "in their default journal, which this device cannot see; synced."
    )


async def test_errors_speak_plain_words_and_give_the_code_only_with_verbose(
    live_server: RunningServer,
    tmp_path: Path,
    outage: Outage,  # noqa: F811
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    wrong = {"TJ_PASSWORD": "not the password"}
    refused = failed_with_one_line(await phone.tj("login", live_server.url, "ana", env=wrong))
    assert "[" not in refused and "auth_failed" not in refused
    verbose = failed_with_one_line(
        await phone.tj("--verbose", "login", live_server.url, "ana", env=wrong)
    )
    assert verbose.startswith(refused) and "(code: auth_failed) (the server said: " in verbose

    await outage.begin()
    down = failed_with_one_line(await ana.tj("devices"))  # needs the server
    assert "Error" in down and "cannot reach the server at" in down
    assert "ClientConnectorError" not in down and "(" + "Client" not in down
    assert "nothing answers at that address" in down
    verbose = failed_with_one_line(await ana.tj("--verbose", "devices"))
    assert "(code: ClientConnectorError)" in verbose


async def test_a_wrong_current_password_and_a_mistyped_name_are_said_plainly(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    wrong = await ana.tj(
        "password", "change", input="brand new secret\nbrand new secret\n",
        env={"TJ_PASSWORD": "not the password"},
    )  # fmt: skip
    assert wrong.exit_code == 1 and "Traceback" not in wrong.output  # after the prompts:
    said = wrong.stderr.strip().splitlines()[-1]
    assert said == "Error: the current password is wrong; nothing was changed"
    typo = failed_with_one_line(await ana.tj("share", "Personal", "drsmth", "--trust-on-first-use"))
    assert "no account is named 'drsmth'" in typo


async def test_login_into_a_profile_of_another_account_is_refused_before_the_server(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    ben = await new_device(live_server, tmp_path, "ben")
    refused = failed_with_one_line(
        await ana.tj("login", live_server.url, "ben", "--device-name", "wrongprofile")
    )
    assert "is signed in to the account ana, not ben: nothing was asked or sent" in refused
    assert "wrongprofile" not in {d["name"] for d in await ben.json("devices")}
