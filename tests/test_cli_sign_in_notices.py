"""`tj sync` tells a sign-in of another device once, naming its id, with what to do if it was
not the user (`tj devices revoke ID`), in words on stderr and in `--json` ("new_devices"); a
sign-in signed out since is said so; a recovery is told with the recovery key, and the
password and recovery key it changed. Real server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.storage.base import SIGN_INS_KEPT_MS
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_tj_sync_tells_a_new_sign_in_once_in_words_and_json(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok("login", live_server.url, "ana", "--device-name", "tablet")
    [listed] = [d for d in await tablet.json("devices") if d["current"]]
    short = listed["id"][:12]
    said = await laptop.ok("sync")
    told = " ".join(said.stderr.split())  # wrapped at the terminal's width
    assert told.count("New sign-in") == 1, told
    assert f"Notice: New sign-in on this account: 'tablet' (device {short}), " in told
    assert "(with the recovery key)" not in told
    assert "signed out since" not in told
    assert told.count("Not you?") == 1, told
    assert (
        "Not you? Whoever signed in knows your password: sign out the device you do not know "
        f"with `tj devices revoke {short}`, then run `tj password change --sign-out-others`."
        in told
    )
    again = await laptop.json("sync")  # told once
    assert again["new_devices"] == []
    assert "sign-in" not in (await laptop.ok("sync")).stderr


async def test_tj_sync_json_carries_a_recovery_on_a_new_device(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")
    key = laptop.signup["recovery_key"]
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok(
        "recover",
        live_server.url,
        "ana",
        "--device-name",
        "tablet",
        input=f"{key}\n",
        env={"TJ_PASSWORD": "recovered secret"},
    )
    report = await laptop.json("sync")
    [new] = report["new_devices"]
    assert (new["name"], new["by_recovery_key"]) == ("tablet", True)
    assert sorted(c["what"] for c in report["credential_changes"]) == ["password", "recovery key"]


async def test_tj_sync_advises_once_what_a_recovery_leaves_possible(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """One piece of advice under a recovery's three notices: the recovery set a new password
    and recovery key, which the user may have done on the tablet, so the password the user
    knows comes first, then the recovery key, and only then what is left with neither."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok(
        "recover",
        live_server.url,
        "ana",
        "--device-name",
        "tablet",
        input=f"{laptop.signup['recovery_key']}\n",
        env={"TJ_PASSWORD": "recovered secret"},
    )
    [listed] = [d for d in await tablet.json("devices") if d["current"]]
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert told.count("Notice: ") == 3, told  # the sign-in, the password, the recovery key
    assert told.count("Not you?") == 1, told
    # The device cannot tell whose recovery it was: the credentials the user knows first,
    # giving the account up only when both are refused.
    assert (
        "Not you? First run `tj password change --sign-out-others` with the password you know "
        "(the new one, if you changed it on another device yourself); if it is refused, run "
        f"`tj recover {live_server.url} ana --sign-out-others` with the recovery key you hold; "
        "if that is refused too, your password and recovery key were both replaced, so neither "
        "works any more, and whoever did it can read your journals; the server offers no way "
        "to take the account back. From this device: save what it holds now with `tj export "
        "--out DIR` (it keeps what it holds); stop writing here (anything written syncs to a "
        "server whoever did it reads); start a new account (`tj --home NEW_DIR signup "
        f"{live_server.url} NEW_USERNAME`) and share again with your therapist; and tell the "
        "people you share with." in told
    )
    assert "operator" not in told  # there is none to ask: no dead end
    assert listed["id"][:12] in told  # named in its notice; revoking it would not hold
    assert "tj devices revoke" not in told


async def test_tj_sync_tells_a_sign_in_signed_out_since_with_its_id(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "phone")
    [listed] = [d for d in await thief.json("devices") if d["current"]]
    await thief.ok("logout")
    told = " ".join((await laptop.ok("sync")).stderr.split())
    short = listed["id"][:12]
    assert f"New sign-in on this account: 'phone' (device {short}), signed in " in told
    assert (
        "and signed out since. Not you? Whoever signed in knows your password: run "
        "`tj password change --sign-out-others`." in told
    )
    assert "tj devices revoke" not in told  # nothing left to sign out


async def test_tj_sync_advises_the_recovery_key_when_the_password_changed_elsewhere(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Someone who knows the password signs in and changes it: the user may have changed it
    (the new one works) or not (the old one is refused): then a recovery that signs out the
    rest."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "phone")
    [listed] = [d for d in await thief.json("devices") if d["current"]]
    await thief.ok("password", "change", input="thief's secret\nthief's secret\n")
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert told.count("Notice: ") == 2, told  # the sign-in and the password
    assert told.count("Not you?") == 1, told
    assert (
        "Not you? Sign out the device you do not know with "
        f"`tj devices revoke {listed['id'][:12]}`, then run `tj password change "
        "--sign-out-others` with the password you know (the new one, if you changed it on "
        "another device yourself); if it is refused, run "
        f"`tj recover {live_server.url} ana --sign-out-others` with your recovery key to set "
        "a new one and sign out every other device; if the key is refused too (it was replaced "
        "as well), the server offers no way to take the account back. From this device: save "
        "what it holds now with `tj export --out DIR`" in told
    )
    assert "URL USERNAME" not in told  # this profile's own server and username


async def test_tj_sync_advice_follows_the_credentials_changed_not_the_way_in(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """One who only replaces the recovery key leaves the password working (`tj password
    change`, then a new key); a password change after it may leave the user neither, or
    be the user's own: the password, then the recovery key, then what is left."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "phone")
    await thief.ok("recovery-key", "new", "--keep-others")
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert told.count("Not you?") == 1, told
    assert "Not you? Whoever changed it knows your password: sign out the device" in told
    assert "run `tj password change --sign-out-others`, then `tj recovery-key new`." in told
    await thief.ok("password", "change", input="thief's secret\nthief's secret\n")
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert told.count("Not you?") == 1, told
    # The replaced recovery key was told by the sync before: the advice follows what this
    # device already knows (both changed, said again with the date), not only this sync's
    # news; the password the user knows first, then the recovery key, then neither.
    assert "Not you? The recovery key was changed on another device on " in told, told
    assert "(told before). First run `tj password change --sign-out-others`" in told, told
    assert f"if it is refused, run `tj recover {live_server.url} ana --sign-out-others`" in told
    assert "if that is refused too, your password and recovery key were both replaced" in told
    assert "the server offers no way to take the account back" in told


async def test_tj_login_after_a_long_absence_tells_the_sign_ins_no_longer_kept(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A laptop away longer than the server keeps its sign-in log signs in again on its
    home: its own sign-in drops the thief's row, and what was made meanwhile is told by its
    count, with no device to sign out by id."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "thief")
    await thief.ok("logout", "--yes")
    live_server.clock.now += SIGN_INS_KEPT_MS + 1
    said = await laptop.ok("login", live_server.url, "ana", "--device-name", "laptop")
    told = " ".join((said.stderr + (await laptop.ok("sync")).stderr).split())
    assert told.count("The server no longer keeps 1 sign-in on this account made before") == 1, told
    assert "while this device was away (it keeps them 90 days)" in told
    assert "tj devices revoke" not in told
    assert "Not you?" not in told  # before its own new sign-in: no one to act on
    assert "thief" not in told


async def test_a_device_signed_in_again_is_not_told_what_came_before_its_sign_in(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The client recovers on her laptop signing out every other device, then signs her phone
    in again (same home) with the new password: the phone proved it knows the current
    password, so the recovery and the sign-ins before its own new sign-in are no alarm (no
    "Not you?", no revoke of her own laptop). A thief's sign-in after it is still told."""
    laptop = await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("sync")  # the phone's baseline
    await laptop.ok(
        "recover",
        live_server.url,
        "ana",
        "--sign-out-others",
        input=f"{laptop.signup['recovery_key']}\n",
        env={"TJ_PASSWORD": "saddle ivory thunder"},
    )
    new_password = {"TJ_PASSWORD": "saddle ivory thunder"}
    await phone.ok("login", live_server.url, "ana", env=new_password)
    said = await phone.ok("sync")
    told = " ".join(said.stderr.split())
    # the laptop's recovery is told as made before this sign-in (hiding what came before hid
    # a thief's sign-in); the laptop, still signed in, is named only for a user who does not
    # know it: no "Not you?", nothing said to be lost
    assert told.count("Notice: ") == 1, told
    assert "Notice: New sign-in on this account before this device signed in again:" in told
    assert "(with the recovery key)" in told
    assert "'phone'" not in told
    assert "Not you?" not in told, told
    [recovered] = [d for d in await laptop.json("devices") if d["current"]]
    assert told.endswith(
        "If you do not know that device: sign it out with "
        f"`tj devices revoke {recovered['id'][:12]}`, then run "
        "`tj recovery-key new --sign-out-others`."
    ), told
    assert (await phone.json("sync"))["credential_changes"] == []
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "tablet", env=new_password)
    [listed] = [d for d in await thief.json("devices") if d["current"]]
    told = " ".join((await phone.ok("sync")).stderr.split())
    assert told.count("New sign-in") == 1, told
    assert f"'tablet' (device {listed['id'][:12]})" in told
    assert "The password of this account was changed" not in told
    assert "Not you? Whoever signed in knows your password" in told


async def test_advice_and_wrong_password_errors_follow_what_the_device_was_told(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """After a sync told that a recovery replaced both credentials, the next intruder sign-in
    says so again with the date, in one sentence (told in full once: NU62 F9), with the
    recovery command if it was not the user and how to say it was; a refused `tj
    password change` or `tj recovery-key new` names the change; the old recovery key is not
    said to "still work"."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok(
        "recover",
        live_server.url,
        "ana",
        input=f"{laptop.signup['recovery_key']}\n",
        env={"TJ_PASSWORD": "thief's secret words"},
    )
    await laptop.ok("sync")  # told: both replaced
    again = Device(tmp_path / "again", live_server.url)
    await again.ok("login", live_server.url, "ana", env={"TJ_PASSWORD": "thief's secret words"})
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert told.count("New sign-in") == 1, told
    assert "Also, the password and the recovery key were changed on another device on " in told
    assert (
        f"(told then): if not by you, run `tj recover {live_server.url} ana --sign-out-others` "
        "with your recovery key (refused too: both were taken;" in told
    ), told
    assert "if by you, run `tj devices acknowledge` and this is not said again." in told, told
    assert "start a new account" in told and told.count("Not you?") == 1, told
    refused = await laptop.tj(
        "password", "change", env={"TJ_NEW_PASSWORD": "violet harbor ninja cactus"}
    )
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0
    assert (
        "the current password is wrong; nothing was changed: the password was changed on " in said
    )
    assert (
        "(told by `tj sync`), and the recovery key too: if you changed them yourself, give "
        f"the new password; if not, `tj recover {live_server.url} ana --sign-out-others` with "
        "the recovery key you hold sets a new one; if that key is refused too, the server "
        "offers no way to take the account back" in said
    ), said
    refused = await laptop.tj("recovery-key", "new", "--keep-others")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0
    assert "the password was changed on another device on" in said
    assert "still works" not in said


async def test_a_refused_recovery_key_on_a_signed_in_home_says_it_may_have_been_replaced(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Someone with the recovery key recovers and signs every other device out: the laptop's
    own key is refused, and says why it may be, with what is left to do from this device; its
    refused login names this profile's server and username, not placeholders."""
    laptop = await new_device(live_server, tmp_path, "eve")
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok(
        "recover",
        live_server.url,
        "eve",
        "--sign-out-others",
        input=f"{laptop.signup['recovery_key']}\n",
        env={"TJ_PASSWORD": "thief's secret words"},
    )
    refused = await laptop.tj(
        "recover",
        live_server.url,
        "eve",
        input=f"{laptop.signup['recovery_key']}\n",
        env={"TJ_PASSWORD": "my new secret words"},
    )
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0
    assert "if this key worked before, it may have been replaced by a recovery on another " in said
    assert "`tj export --out DIR`" in said
    assert "the server offers no way to take the account back" in said
    refused = await laptop.tj("login", live_server.url, "eve")
    said = " ".join(refused.stderr.split())
    assert refused.exit_code != 0
    assert f"`tj recover {live_server.url} eve` sets one with the recovery key" in said, said
    assert "URL USERNAME" not in said


async def test_a_sign_in_told_by_another_commands_sync_is_said_again_by_tj_sync(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj list` (its quick sync's hourly look) tells a sign-in on its stderr, which a script
    may throw away: the next `tj sync` says it again in its "Earlier ..." line, and in
    `--json` ("earlier_new_devices"), once."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "intruder")
    forget_the_last_look(laptop)
    listed = await laptop.ok("list", "--json")
    assert "New sign-in" in listed.stderr  # told there (and thrown away by a script)
    said = " ".join((await laptop.ok("sync")).stdout.split())
    assert "Earlier, fetched by other commands since your last `tj sync` or sign-in:" in said, said
    assert "New sign-in on this account: 'intruder' (device " in said
    assert (await laptop.json("sync"))["earlier_new_devices"] == []  # said once
    await thief.ok("login", live_server.url, "ana", "--device-name", "intruder2")
    forget_the_last_look(laptop)
    await laptop.ok("list")
    report = await laptop.json("sync")
    [again] = report["earlier_new_devices"]
    assert again["name"] == "intruder2"


def forget_the_last_look(device: Device) -> None:
    """Move the home's last sign-in look two hours back (standing in for the hour a quiet
    sync waits between looks)."""
    import json
    import sqlite3

    from client_sdk.devices import SIGN_INS

    [store] = list(device.home.glob("**/store.db"))
    with sqlite3.connect(store) as db:
        [(value,)] = db.execute("SELECT value FROM settings WHERE name = ?", (SIGN_INS,))
        looked = json.loads(value)
        looked["at"] -= 7_200_000
        db.execute("UPDATE settings SET value = ? WHERE name = ?", (json.dumps(looked), SIGN_INS))


async def test_a_sign_in_under_this_devices_name_is_told_as_a_second_device_of_that_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = Device(tmp_path / "laptop", live_server.url)
    await laptop.ok("signup", live_server.url, "ana", "--device-name", "laptop")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await laptop.ok("devices")  # the laptop knows its phone
    await laptop.ok("sync")
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "laptop")
    await thief.ok("logout", "--yes")
    other = Device(tmp_path / "other", live_server.url)
    await other.ok("login", live_server.url, "ana", "--device-name", "phone")
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert "a second device named 'laptop', not this one)" in told, told
    assert "a second device named 'phone', not the one you know)" in told, told


async def test_a_thiefs_sign_in_before_the_victims_login_again_is_still_told(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A thief with the password signs in, signs the victim's laptop out and
    logs his own device out; the victim logs in again on the same home with the unchanged
    password: its sync still tells the thief's sign-in, as a fact from before its own."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    [mine] = [d for d in await laptop.json("devices") if d["current"]]
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "thief")
    [his] = [d for d in await thief.json("devices") if d["current"]]
    await thief.ok("devices", "revoke", mine["id"][:12], "--yes")
    await thief.ok("logout", "--yes")
    await laptop.ok("login", live_server.url, "ana")
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert (
        "Notice: New sign-in on this account before this device signed in again: 'thief' "
        f"(device {his['id'][:12]}), signed in "
    ) in told, told
    assert "If you do not know" not in told and "Not you?" not in told  # signed out since


async def test_a_later_sign_in_after_the_users_own_changes_elsewhere_asks_for_them_first(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The user changes the password and the recovery key on the phone, keeping the laptop
    signed in; the laptop is told. Months later someone who stole the new password signs
    in: the laptop cannot tell whose the changes were, so its advice asks for the password
    the user knows first, then the recovery key, and gives the account up only if both are
    refused: in full when they are told, then in one sentence with each later sign-in (NU62
    F9), naming their dates, the recovery command and how to say they were the user's. Once
    the laptop proves the password (a password change there) and makes a new
    recovery key, a later sign-in gets the plain advice."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    new = "violet harbor ninja cactus"
    await phone.ok("password", "change", "--keep-others", input=f"{new}\n{new}\n")
    await phone.ok("recovery-key", "new", "--keep-others", env={"TJ_PASSWORD": new})
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert told.count("changed on another device") == 2, told  # the user's own
    assert told.count("Not you?") == 1, told
    advice = told[told.index("Not you?") :]
    first = advice.index("run `tj password change --sign-out-others` with the password")
    recover = advice.index(f"if it is refused, run `tj recover {live_server.url} ana ")
    gone = advice.index("if that is refused too, your password and recovery key were both")
    assert first < recover < gone < advice.index("start a new account"), told
    assert advice.endswith("run `tj devices acknowledge`: this advice is then not repeated."), told
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok(
        "login", live_server.url, "ana", "--device-name", "tablet", env={"TJ_PASSWORD": new}
    )
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert told.count("Not you?") == 1, told
    advice = told[told.index("Not you?") :]
    assert advice.startswith("Not you? Whoever signed in knows your password: "), told
    assert "Also, the password and the recovery key were changed on another device on " in advice
    assert f"if not by you, run `tj recover {live_server.url} ana --sign-out-others`" in advice
    assert "start a new account" in advice  # if the recovery key is refused too
    await laptop.ok("password", "change", env={"TJ_PASSWORD": new, "TJ_NEW_PASSWORD": new + "!"})
    await laptop.ok("recovery-key", "new", "--keep-others", env={"TJ_PASSWORD": new + "!"})
    # another home: the thief's own home signing in again is told as that device signed
    # in again, by its device key (fix34a), without advice
    other = Device(tmp_path / "other", live_server.url)
    await other.ok("login", live_server.url, "ana", env={"TJ_PASSWORD": new + "!"})
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert "Not you? Whoever signed in knows your password: " in told, told
    assert "changed on another device" not in told
    assert "start a new account" not in told


async def test_tj_login_marks_seen_only_the_sign_ins_its_first_sync_printed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A sign-in told only on another command's stderr stays for `tj sync` to say, also when
    a `tj login` on that home (after a thief signed it out) prints sign-ins of its own."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    [mine] = [d for d in await laptop.json("devices") if d["current"]]
    first = Device(tmp_path / "first", live_server.url)
    await first.ok("login", live_server.url, "ana", "--device-name", "intruder")
    forget_the_last_look(laptop)
    assert "'intruder'" in (await laptop.ok("list")).stderr  # told there only
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "thief")
    await thief.ok("devices", "revoke", mine["id"][:12], "--yes")
    forget_the_last_look(laptop)
    said = " ".join((await laptop.ok("login", live_server.url, "ana")).stderr.split())
    assert "New sign-in on this account before this device signed in again: 'thief'" in said
    assert "'intruder'" not in said
    earlier = (await laptop.json("sync"))["earlier_new_devices"]
    assert [d["name"] for d in earlier] == ["intruder"], earlier


async def test_tj_sync_cut_off_while_printing_leaves_its_sign_ins_unseen(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tj sync` marks the sign-ins it tells seen once printed: stopped before (Ctrl-C while
    printing), the next `tj sync` says them again."""
    from cli import syncing

    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "intruder")

    def stopped(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(syncing, "show_report", stopped)
        assert (await laptop.tj("sync")).exit_code != 0
    earlier = (await laptop.json("sync"))["earlier_new_devices"]
    assert [d["name"] for d in earlier] == ["intruder"], earlier


async def test_tj_devices_shows_when_each_device_last_signed_in(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tj devices` has a "signed in" column from the account's sign-in log (--json
    "signed_in_at"); a device whose row the server no longer keeps says so plainly; the
    table fits 80 columns."""
    from datetime import datetime

    from cli.output import local_time
    from server.storage import sqlite as sqlite_storage

    monkeypatch.setattr(sqlite_storage, "SIGN_INS_KEPT", 1)  # the tablet's sign-in drops ours
    laptop = await new_device(live_server, tmp_path, "ana")
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok("login", live_server.url, "ana", "--device-name", "tablet")
    listed = {d["current"]: d for d in await laptop.json("devices")}
    assert listed[True]["signed_in_at"] is None
    assert listed[False]["signed_in_at"] == listed[False]["created_at"]  # its session's start
    shown = (await laptop.ok("devices", env={"COLUMNS": "80"})).stdout
    lines = shown.splitlines()
    assert max(len(line) for line in lines) <= 80, shown
    assert lines[0].split() == ["id", "name", "signed", "in", "last", "seen", "session", "ends"]
    [mine] = [line for line in lines if line.startswith(listed[True]["id"][:12])]
    assert "not in the log" in mine and "now (this device)" in mine, shown
    [its] = [line for line in lines if line.startswith(listed[False]["id"][:12])]
    assert local_time(datetime.fromisoformat(listed[False]["signed_in_at"])) in its, shown


def test_a_recovery_key_changed_before_is_said_again_with_who_signed_in_now() -> None:
    """A recovery key told as changed by an earlier sync, then a sign-in: the date is said
    again, and the advice says what the new sign-in shows (the password, or the key it
    holds), then a password change and a new key. Pure."""
    from datetime import UTC, datetime

    from cli import output
    from client_sdk.models import NewDevice
    from client_sdk.sync import SyncReport

    at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    replaced = {"recovery key": at}
    for by_key, who in ((False, "knows your password"), (True, "holds your recovery key")):
        device = NewDevice("ab" * 16, "tablet", at, by_key, False, 0)
        report = SyncReport(new_devices=[device], replaced_elsewhere=replaced)
        advice = " ".join(output.shown(line) for line in output.sign_in_lines(report)[1:])
        act = (
            f"Whoever signed in knows your password: sign out the device you do not know with "
            f"`tj devices revoke {'ab' * 6}`, then run `tj password change --sign-out-others`."
            if not by_key
            else f"Your recovery key is known to someone: sign out the device you do not know "
            f"with `tj devices revoke {'ab' * 6}`, then run `tj recovery-key new "
            "--sign-out-others` to retire it."
        )
        assert advice == (
            f"Not you? {act} Also, the recovery key was changed on another device on "
            f"{output.local_time(at)} (told then): if not by you, run `tj password change "
            "--sign-out-others`, then `tj recovery-key new`; if by you, run `tj devices "
            "acknowledge` and this is not said again."
        ), (advice, who)


async def test_a_thief_still_signed_in_before_the_login_again_is_named_to_sign_out(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A thief with the password signs the laptop out and stays signed in; the laptop logs
    in again: his sign-in came before its own, yet his session is live, so the notice names
    it to sign out (for a user who does not know it) and the password change after it."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    [mine] = [d for d in await laptop.json("devices") if d["current"]]
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "thief")
    [his] = [d for d in await thief.json("devices") if d["current"]]
    await thief.ok("devices", "revoke", mine["id"][:12], "--yes")
    await laptop.ok("login", live_server.url, "ana")
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert "Notice: New sign-in on this account before this device signed in again: " in told
    assert told.endswith(
        f"If you do not know that device: sign it out with `tj devices revoke {his['id'][:12]}`,"
        " then run `tj password change --sign-out-others`."
    ), told
    assert "Not you?" not in told  # nothing says it was not the user


async def test_a_thief_signed_in_after_the_login_again_keeps_the_advice_after_a_revoke(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The laptop logs in again; a thief signs in after that and signs it out once more, so it
    logs in a second time: his sign-in followed a session the laptop proved, so it is told as
    new, with "Not you?" and his revoke command, never as made before."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    [mine] = [d for d in await laptop.json("devices") if d["current"]]
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", live_server.url, "ana", "--device-name", "phone")
    await phone.ok("devices", "revoke", mine["id"][:12], "--yes")
    await phone.ok("logout", "--yes")
    await laptop.ok("login", live_server.url, "ana")  # no look yet
    [mine] = [d for d in await laptop.json("devices") if d["current"]]
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "thief")
    [his] = [d for d in await thief.json("devices") if d["current"]]
    await thief.ok("devices", "revoke", mine["id"][:12], "--yes")
    await laptop.ok("login", live_server.url, "ana")
    told = " ".join((await laptop.ok("sync")).stderr.split())
    assert f"Notice: New sign-in on this account: 'thief' (device {his['id'][:12]})" in told
    assert (
        f"Not you? Whoever signed in knows your password: sign out the device you do not know "
        f"with `tj devices revoke {his['id'][:12]}`, then run "
    ) in told, told
    assert "'phone'" in told and "'device'" not in told  # the home's own sessions are not told


async def test_the_earlier_line_keeps_a_sign_in_made_before_this_devices_own(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A sign-in made before this device signed in again, told by another command's quick
    sync, is said so again in `tj sync`'s "Earlier ..." line."""
    laptop = await new_device(live_server, tmp_path, "ana")
    await laptop.ok("sync")  # the baseline
    [mine] = [d for d in await laptop.json("devices") if d["current"]]
    thief = Device(tmp_path / "thief", live_server.url)
    await thief.ok("login", live_server.url, "ana", "--device-name", "thief")
    await thief.ok("devices", "revoke", mine["id"][:12], "--yes")
    await thief.ok("logout", "--yes")
    await laptop.ok("login", live_server.url, "ana")
    forget_the_last_look(laptop)
    assert "'thief'" in (await laptop.ok("list")).stderr  # told there only
    said = " ".join((await laptop.ok("sync")).stdout.split())
    assert "Earlier, fetched by other commands" in said, said
    assert "New sign-in on this account before this device signed in again: 'thief'" in said


async def test_tj_sync_cut_off_while_printing_leaves_its_news_unseen(
    live_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tj sync` marks the news it tells (its own and what quiet syncs fetched) seen once
    printed: stopped before (Ctrl-C while printing), the next `tj sync` says them."""
    from cli import syncing

    hugo = await new_device(live_server, tmp_path, "hugo")
    drruiz = await new_device(live_server, tmp_path, "drruiz")
    await hugo.ok("share", "Personal", "drruiz", "--trust-on-first-use")
    await drruiz.ok("sync")
    await hugo.ok("write", "--mood", "2", "A bad night.")
    await drruiz.ok("caseload")  # a quiet sync fetches it
    await hugo.ok("write", "--mood", "5", "Better.")

    def stopped(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(syncing, "show_report", stopped)
        assert (await drruiz.tj("sync")).exit_code != 0
    earlier = (await drruiz.json("sync"))["earlier"]
    assert [(n["count"], n["from"]) for n in earlier] == [(2, "hugo")], earlier
