"""Small CLI problems of the NU39 review (a new user following the README): the real `tj`
against a real server on loopback, real crypto."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_login_with_the_server_down_says_nothing_changed_and_what_to_do(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU39 #7: `tj login` with nothing answering said only that the server cannot be
    reached. It now says nothing changed on this device and that the same command is all
    it takes once the server answers (exit 1, nothing made)."""
    await new_device(live_server, tmp_path, "ana")
    tablet = Device(tmp_path / "tablet", f"http://127.0.0.1:{unused_port()}")
    down = await tablet.tj("login", tablet.url, "ana", "--device-name", "tablet")
    assert down.exit_code == 1, down.output
    assert down.stderr.strip().endswith(
        "nothing was changed on this device: run the same command again once the server answers"
    ), down.stderr
    assert (await tablet.tj("whoami")).exit_code != 0  # no account on this device
    up = Device(tablet.home, live_server.url)
    await up.ok("login", up.url, "ana", "--device-name", "tablet")
    assert (await up.json("whoami"))["username"] == "ana"


async def test_login_names_an_earlier_session_of_the_same_name_and_how_to_end_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU39 #6: a logout that could not reach the server deletes the local data but leaves
    the device signed in there; the next login made a second "phone" without a word. It now
    names the other device of that name and the command that ends it."""
    await new_device(live_server, tmp_path, "ana")
    phone = Device(tmp_path / "phone", live_server.url)
    await phone.ok("login", phone.url, "ana", "--device-name", "phone")
    old = [d for d in await phone.json("devices") if d["current"]]
    shutil.rmtree(phone.home)  # what a logout with the server down leaves: nothing here
    again = await phone.ok("login", phone.url, "ana", "--device-name", "phone")
    said = " ".join(again.stderr.split())
    assert f"Another device named 'phone' ({old[0]['id'][:12]}, last seen" in said, said
    assert f"devices revoke {old[0]['id'][:12]}` ends it." in said, said
    await phone.ok("devices", "revoke", old[0]["id"][:12], "--yes")
    quiet = await phone.ok("login", phone.url, "ana", "--device-name", "tablet")
    assert "Another device named" not in quiet.stderr


async def test_the_tag_listed_by_comes_first_in_its_cell(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU40 #4: at 68 columns `tj list --tag 😀` cut the tags cell to "工作, 家庭,…", hiding the
    very tag asked for. The tags listed by now come first in the cell (the others keep their
    order)."""
    ana = await new_device(live_server, tmp_path, "ana")
    tags = ["工作", "家庭", "long-tag-name", "😀"]
    await ana.ok("write", *(w for t in tags for w in ("--tag", t)), "A long day at work.")
    listed = (await ana.ok("list", "--tag", "😀", env={"COLUMNS": "68"})).stdout
    row = next(line for line in listed.splitlines() if "A long day" in line)
    cell = row.split("A long day", 1)[1]
    assert "😀" in cell and cell.index("😀") < cell.index("工作"), listed


async def test_a_search_match_found_only_in_a_tag_shows_the_tag(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU40 #4: `tj search 家庭` matching a tag alone showed the body's start in the match
    column, which holds no match; it shows the tag now."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("write", "--tag", "家庭", "Walked by the river.")
    found = (await ana.ok("search", "家庭", env={"COLUMNS": "120"})).stdout
    row = next(line for line in found.splitlines() if "家庭" in line)
    assert "tag: 家庭" in row and "Walked" not in row, found
