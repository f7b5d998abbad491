"""Findings of a new user's review of `tj` (NU62), each through a real `tj` against a real
server on loopback: a recovery on a home already signed in, the advice after the user's own
password change elsewhere, a logout and login again on the same home, and small ones."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    failed_with_one_line,
    laptop,
    phone,
)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat


async def test_recover_on_a_signed_in_home_ends_its_earlier_session_as_login_does(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """`tj recover --keep-others` on the phone's own signed-in home left the home's earlier
    session signed in: `tj devices` listed two "phone" rows, and the laptop was told of "a
    second device named 'phone', not the one you know". The earlier session is ended, as
    `tj login` ends it, and the laptop is told of the phone's recovery plainly."""
    await laptop.ok("devices")  # the laptop knows the phone by its name
    await laptop.ok("sync")  # and has looked at the sign-ins once
    done = await phone.ok(
        "recover", phone.url, "ana", "--keep-others",
        input=laptop.signup["recovery_key"] + "\n", env={"TJ_PASSWORD": "recovered secret"},
    )  # fmt: skip
    said = flat(done.stderr)
    assert "another session under its name" not in said, said
    assert sorted(d["name"] for d in await laptop.json("devices")) == ["laptop", "phone"]
    told = flat((await laptop.ok("sync")).stderr)
    # the phone's own home, by its device key (fix34a): the earlier sign-in of that key named
    assert "its device key is the one of 'phone' (device" in told, told
    assert "(with the recovery key)" in told, told
    assert "a second device named" not in told, told


async def test_a_password_change_told_before_is_one_sentence_and_acknowledged_stops(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """After the user changed her password on the phone, every later sign-in told on the
    laptop repeated the whole "Not you? ... start a new account" advice (17 lines), and
    nothing said how to make it stop. It is said in full once, with how to say it was the
    user; later, one sentence naming the date and the command; `tj devices acknowledge`
    stops even that."""
    await laptop.ok("sync")  # the baseline
    new = "violet harbor ninja cactus"
    await phone.ok("password", "change", "--keep-others", input=f"{new}\n{new}\n")
    told = flat((await laptop.ok("sync")).stderr)
    assert "start a new account" in told, told  # in full, this once
    assert "run `tj devices acknowledge`: this advice is then not repeated." in told, told
    tablet = Device(laptop.home.parent / "tablet", laptop.url)
    await tablet.ok("login", laptop.url, "ana", "--device-name", "tablet", env={"TJ_PASSWORD": new})
    told = flat((await laptop.ok("sync")).stderr)
    assert "start a new account" not in told, told
    assert told.count("changed on another device") == 1, told
    assert "Also, the password was changed on another device on " in told, told
    assert f"if not by you, run `tj recover {laptop.url} ana --sign-out-others`" in told, told
    assert "if by you, run `tj devices acknowledge` and this is not said again." in told, told
    said = flat((await laptop.ok("devices", "acknowledge")).stderr)
    assert said.startswith("Acknowledged the password change of "), said
    assert "later sign-ins are told without advice about it" in said, said
    again = Device(laptop.home.parent / "again", laptop.url)
    await again.ok("login", laptop.url, "ana", "--device-name", "desk", env={"TJ_PASSWORD": new})
    told = flat((await laptop.ok("sync")).stderr)
    assert "New sign-in on this account: 'desk'" in told, told
    assert "changed on another device" not in told, told
    assert "Not you? Whoever signed in knows your password" in told, told
    said = flat((await laptop.ok("devices", "acknowledge")).stderr)
    assert said == "No password or recovery key change is waiting to be acknowledged.", said


async def test_a_login_again_after_a_logout_tells_its_own_earlier_writes_as_this_devices(
    laptop: Device,  # noqa: F811
) -> None:
    """After `tj logout` and `tj login` on the same laptop, its first sync said "1 new entry
    from a device signed out since": the laptop's own earlier session. It names it by this
    device's earlier id (not "this device": any holder of the account key can write that id).
    The logout said nothing of the device-only `tj history` values it
    deleted; it says so."""
    await laptop.ok("write", "Written before the logout.")
    done = await laptop.ok("logout", "--yes")
    said = flat(done.stderr)
    assert "the earlier values the history commands listed (tj history ID...) went with it" in said
    again = flat((await laptop.ok("login", laptop.url, "ana")).stderr)
    assert "1 new entry from a device of this account using this device's earlier id" in again
    assert "signed out since" not in again, again


def test_a_printed_command_quotes_a_name_with_an_apostrophe_as_messages_do() -> None:
    """The hint to share again printed `tj share 'Ana'"'"'s dreams' drpark`: valid, but
    not the `"Ana's dreams"` every other message printed. Pure."""
    import shlex

    from cli import output

    said = output.shown(output.command(["tj", "share", "Ana's dreams", "drpark", "--only", "mood"]))
    assert said == """`tj share "Ana's dreams" drpark --only mood`""", said
    for name in ("Ana's dreams", 'Ana\'s "big" day', "Personal", "a b", "it's $5"):
        words = ["tj", "share", name]
        printed = output.shown(output.command(words)).strip("`")
        assert shlex.split(printed) == words, printed  # pasted back exactly


def test_a_journal_gone_from_the_server_is_named_quoted_in_its_notice() -> None:
    """`tj sync --watch` said "Notice: 😀 Feelings (id f698650e47d6) is no longer on the
    server": a name of several words unquoted, where `tj sync` quoted it. Pure."""
    from cli import output
    from client_sdk import departures
    from client_sdk.departures import Departure
    from client_sdk.sync import SyncReport

    gone = Departure("", "😀 Feelings", "f6" * 16, departures.GONE, 1_765_000_000_000)
    [line] = output.departure_lines(SyncReport(departures=[gone]))
    assert line.startswith("Notice: '😀 Feelings' (id f6f6f6f6f6f6) is no longer"), line
    plain = Departure("", "Personal", "f6" * 16, departures.GONE, 1_765_000_000_000)
    [line] = output.departure_lines(SyncReport(departures=[plain]))
    assert line.startswith("Notice: Personal (id f6f6f6f6f6f6) is no longer"), line


async def test_unshare_offers_a_new_key_only_for_a_name_that_is_an_account(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj unshare Personal drprak` (no such account) offered `--new-key` "if you shared it
    with drprak on another of your devices": no device can have. It says there is no such
    account; for an account not shared with, the `--new-key` hint stays."""
    ana = await new_device(live_server, tmp_path, "ana")
    drpark = await new_device(live_server, tmp_path, "drpark")
    await new_device(live_server, tmp_path, "drpam")
    await ana.ok(
        "share", "Personal", "drpark", "--full", "--fingerprint", drpark.signup["fingerprint"]
    )
    said = failed_with_one_line(await ana.tj("unshare", "Personal", "drprak", "--yes"))
    assert "(did you mean 'drpark'?): nothing was changed" in said, said
    assert said.endswith("no account is named 'drprak' on the server"), said
    assert "--new-key" not in said, said
    said = failed_with_one_line(await ana.tj("unshare", "Personal", "drpam", "--yes"))
    assert "`tj unshare Personal drpam --new-key` gives the journal a new key" in said, said


async def test_a_device_name_out_of_its_limits_exits_2_as_every_name_does(
    laptop: Device,  # noqa: F811
) -> None:
    """`tj devices rename ""` (or 101 characters) exited 1, where every other name or text
    out of its limits exits 2 (README). A journal name too long says how long it was."""
    for name in ("", "x" * 101):
        refused = await laptop.tj("devices", "rename", name)
        assert refused.exit_code == 2, refused.output
        assert "a device name is 1 to 100 characters" in refused.stderr, refused.stderr
    assert "(this one is 101)" in refused.stderr, refused.stderr
    refused = await laptop.tj("journal", "create", "y" * 300)
    assert refused.exit_code == 2, refused.output
    assert "without '/' (this one is 300)" in refused.stderr, refused.stderr
