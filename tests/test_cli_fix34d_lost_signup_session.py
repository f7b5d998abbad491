"""fix34d (nu83 F2): a signup whose reply a proxy lost left its session signed in on the
server, its token seen by the proxy only. Finishing that signup by a sign-in (`tj login` at
the server's own address, `tj signup` again, or `tj login` taking back a copy a proxy's page
made it set aside) signs that session out, identified by the device id this device chose
and kept with the signup request (never by the server's list), and says so in one line;
`tj login --json` names it (`signup_session_ended`) and the recovery keys set aside
(`recovery_key_set_aside`)."""

from __future__ import annotations

import json
from pathlib import Path

from client_sdk.pending_signup import aside_path, load_pending
from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device
from tests.test_cli_kept_key_maybe_live import flat, proxy
from tests.test_cli_signup_interrupted import KEY_LINE

ENDED = "Signed out the session this device's signup opened ({}): its reply was lost on the way"


async def signed_in(server: RunningServer, device_id: bytes) -> list[tuple[int]]:
    """[(revoked,)] of the device `device_id` on the server ([] if it has none)."""
    rows = await server.rows("SELECT revoked FROM devices WHERE device_id = ?", device_id)
    return [(int(row[0]),) for row in rows]


async def lost_signup(server: RunningServer, laptop: Device, how: str, name: str) -> bytes:
    """Sign `name` up through a proxy that loses the reply (`how`: "drop" or "page"); the
    device id the signup request carried, signed in on the server."""
    async with proxy(server.url, how) as url:
        failed = await laptop.tj("signup", url, name, "--device-name", "laptop")
        assert failed.exit_code == 1, failed.output
    pending = load_pending(laptop.home)
    assert pending is not None
    lost = pending.request.device_id
    assert await signed_in(server, lost) == [(0,)]  # the server made its session
    return lost


async def test_a_login_finishing_a_signup_whose_reply_was_lost_signs_its_session_out(
    live_server: RunningServer, tmp_path: Path
) -> None:
    laptop = Device(tmp_path / "laptop", live_server.url)
    lost = await lost_signup(live_server, laptop, "drop", "dan")
    login = await laptop.tj("login", live_server.url + "/", "dan", "--json")
    assert login.exit_code == 0, login.output
    said = flat(login.stderr)
    # on s26: "Another device named 'laptop' ... is still signed in ...: if it is the session
    # this device's signup opened ... `tj devices revoke ...` ends it", and it stayed
    assert ENDED.format(lost.hex()[:12]) in said, said
    assert "Another device named" not in said
    assert await signed_in(live_server, lost) == [(1,)]
    account = json.loads(login.stdout)
    assert account["signup_session_ended"] == lost.hex()
    assert "recovery_key_set_aside" not in account  # nothing set aside, as `tj signup --json`
    devices = await laptop.json("devices")
    assert [d["name"] for d in devices] == ["laptop"], devices


async def test_a_signup_run_again_that_finishes_by_a_login_signs_the_lost_session_out(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """dan's way in nu83 F2: `tj signup` again (through the proxy, which forwards the login)."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    async with proxy(live_server.url, "drop") as url:
        failed = await laptop.tj("signup", url, "dan", "--device-name", "laptop")
        assert failed.exit_code == 1, failed.output
        pending = load_pending(laptop.home)
        assert pending is not None
        lost = pending.request.device_id
        again = await laptop.tj("signup", url, "dan")
    assert again.exit_code == 0, again.output
    assert "Finished the signup of dan" in again.stderr
    assert KEY_LINE.findall(again.stdout), again.output
    assert ENDED.format(lost.hex()[:12]) in flat(again.stderr), again.output
    assert await signed_in(live_server, lost) == [(1,)]  # on s26: (0,), nothing said


async def test_a_login_taking_back_a_signup_behind_a_proxys_page_signs_its_session_out(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """cleo's way in nu83 F2: the proxy's HTML 500 page; the copy gives way at the server's
    own address and is taken back by the login."""
    laptop = Device(tmp_path / "laptop", live_server.url)
    lost = await lost_signup(live_server, laptop, "page", "cleo")
    login = await laptop.tj("login", live_server.url, "cleo")
    assert login.exit_code == 0, login.output
    assert KEY_LINE.findall(login.stdout), login.output
    said = flat(login.stderr)
    assert ENDED.format(lost.hex()[:12]) in said, said
    assert "Another device named" not in said
    assert await signed_in(live_server, lost) == [(1,)]


async def test_login_json_names_the_recovery_key_it_set_aside(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """A login to another account on a home keeping a signup no Therapy Journal server
    answered sets its copy aside and says where in text; `--json` has it too (on s26: not)."""
    await Device(tmp_path / "ben", live_server.url).ok("signup", live_server.url, "ben")
    laptop = Device(tmp_path / "laptop", live_server.url)
    await lost_signup(live_server, laptop, "page", "cleo")
    pending = load_pending(laptop.home)
    assert pending is not None
    aside = str(aside_path(laptop.home, pending.account_id))
    text = await laptop.ok("login", live_server.url, "ben")
    assert aside in flat(text.stderr), text.output
    await laptop.ok("logout", "--yes")
    again = await laptop.json("login", live_server.url, "ben")
    assert "recovery_key_set_aside" not in again  # set aside before: nothing new
    other = Device(tmp_path / "other", live_server.url)
    await lost_signup(live_server, other, "page", "dora")
    kept = load_pending(other.home)
    assert kept is not None
    account = await other.json("login", live_server.url, "ben")
    assert account["recovery_key_set_aside"] == [str(aside_path(other.home, kept.account_id))]


async def test_tj_recover_taking_back_an_unfinished_signup_finishes_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj recover` of the signup's account, its copy set aside by a login to another account:
    the signup finished as `tj login` finishes it (journal made, lost session signed out,
    said), the new key shown."""
    from client_sdk import account, keys

    await Device(tmp_path / "ben", live_server.url).ok("signup", live_server.url, "ben")
    laptop = Device(tmp_path / "laptop", live_server.url)
    lost = await lost_signup(live_server, laptop, "page", "cleo")
    pending = load_pending(laptop.home)
    assert pending is not None
    opened = account.open_kept(pending, PASSWORD)
    assert opened is not None
    await laptop.ok("login", live_server.url, "ben")
    await laptop.ok("logout", "--yes")
    env = {
        "TJ_RECOVERY_KEY": keys.format_recovery_key(opened[0]),
        "TJ_NEW_PASSWORD": "another correct horse battery",
    }
    done = await laptop.tj("recover", live_server.url, "cleo", "--json", env=env)
    assert done.exit_code == 0, done.output
    assert ENDED.format(lost.hex()[:12]) in flat(done.stderr), done.output
    recovered = json.loads(done.stdout)
    assert recovered["signup_session_ended"] == lost.hex()
    assert recovered["recovery_key"] is not None
    journals = await laptop.json("journal", "list")
    assert journals != [], journals  # on s26: no journal at all
    assert await signed_in(live_server, lost) == [(1,)]
