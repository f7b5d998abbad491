"""NU24: a new user's findings on ending shares (real server on loopback, real crypto,
CliRunner)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import RunningServer
from tests.notice_times import NOTICE_TIME, same_moment, unwrapped
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def laptop_phone_and_therapist(
    server: RunningServer, tmp_path: Path
) -> tuple[Device, Device, Device]:
    ana = await new_device(server, tmp_path, "ana")
    phone = Device(tmp_path / "ana-phone", server.url)
    await phone.ok("login", server.url, "ana")
    drsmith = await new_device(server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", "--trust-on-first-use")
    await phone.ok("sync")
    await drsmith.ok("sync")
    await ana.ok("sync")  # told once of the phone's sign-in after the signup (nu86 F6)
    return ana, phone, drsmith


async def test_the_notice_after_a_therapist_leaves_suggests_a_command_that_works(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C4: "If they did not mean to leave, share again: tj share Personal drsmith"
    always failed (a role or an end date alone never shares a whole journal: --full); and the
    laptop's notice had no time while the phone's had one, worded otherwise. The time is local,
    as in every other notice ("(12:34)" today: NU26 C6), not "2026-12-02 12:34 UTC"."""
    ana, phone, drsmith = await laptop_phone_and_therapist(live_server, tmp_path)
    await drsmith.ok("leave", "ana/Personal", "--yes")
    told = {}
    for name, device in (("laptop", ana), ("phone", phone)):
        synced = await device.ok("sync")
        [notice] = [
            line for line in unwrapped(synced.stderr).splitlines() if line.startswith("Notice:")
        ]
        when = re.search(
            rf"^Notice: drsmith no longer reads Personal \(({NOTICE_TIME})\): the server says "
            "they left",
            notice,
        )
        assert when, (name, notice)
        assert (
            "(not signed by them);" in notice
            and "removed them from the journal's access and changed its key" in notice
        )
        again = [
            line.strip() for line in unwrapped(synced.stderr).splitlines() if "tj share " in line
        ]
        held = f"--fingerprint '{drsmith.signup['fingerprint']}'"  # nu84 F5
        assert [a.split(": ", 1)[1] for a in again] == [
            f"`tj share Personal drsmith --full {held}`"
        ], again
        told[name] = when.group(1)
    assert same_moment(told["laptop"], told["phone"]), told  # the one removal, at one time
    shared = await ana.tj("share", "Personal", "drsmith", "--full", input="")
    assert shared.exit_code == 0, shared.output
    assert [s["member"] for s in await ana.json("shares")] == ["drsmith"]


async def test_unshare_asks_only_when_something_may_be_undelivered_as_the_readme_says(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C3: the README listed `tj unshare` among the commands that always ask (in a
    script: "Aborted!"), while it asks only when the therapist may not have received a
    safety flag or a PHQ-9 item 9 > 0, as its own README line says; and the journal's name
    was not quoted: "Stopped sharing Shared with drsmith with drsmith"."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    [always] = [p for p in readme.split("\n\n") if p.startswith("A command that asks first")]
    listed = always.split(")", 1)[0]
    assert "`tj leave`" in listed
    assert "`tj unshare`" in listed and "only when the therapist may not have received" in said(
        listed
    )
    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    entry = (await ana.ok("write", "A day.")).stdout.strip()
    await ana.ok("share-entry", entry[:8], "drsmith", "--trust-on-first-use")
    ended = await ana.ok("unshare", "Shared with drsmith", "drsmith")  # no terminal, no --yes
    assert "[y/N]" not in ended.stderr and "Aborted" not in ended.stderr
    assert "Stopped sharing 'Shared with drsmith' with drsmith;" in said(ended.stderr)
    assert await ana.json("shares") == []


async def test_narrowing_a_whole_share_is_told_to_the_owners_other_devices(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """NU24 C10: `tj share Personal drsmith --only mood,tags` ended drsmith's whole-journal
    share, but the phone's sync said nothing of it (a plain `tj unshare` is told: "Personal
    is no longer shared with drsmith: the share was ended from one of your devices")."""
    ana, phone, drsmith = await laptop_phone_and_therapist(live_server, tmp_path)
    await ana.ok("write", "A day.", "--mood", "6")
    narrowed = await ana.ok("share", "Personal", "drsmith", "--only", "mood,tags")
    assert "Shared only the mood and tags" in said(narrowed.stderr + narrowed.stdout)
    told = await phone.ok("sync")
    copy = "Personal (mood, tags) for drsmith"
    assert told.stdout.endswith(", 1 share change (below)\n"), told.stdout  # NU25 C5
    assert (told.stdout + unwrapped(told.stderr)).count(
        "drsmith no longer reads all of Personal"
    ) == 1
    [notice] = [line for line in unwrapped(told.stderr).splitlines() if line.startswith("Notice:")]
    assert re.fullmatch(
        r"Notice: drsmith no longer reads all of Personal: the share was ended from one of "
        rf"your devices \({NOTICE_TIME}\); they read only what '{re.escape(copy)}' copies of it "
        r"now \(`tj shares`\)\.",
        notice,
    ), notice
    again = await phone.ok("sync")  # once
    assert "drsmith" not in again.stdout + unwrapped(again.stderr)
    laptop = await ana.ok("sync")  # the device that narrowed it said so itself
    assert "no longer reads" not in laptop.stdout + unwrapped(laptop.stderr)
    shares = await phone.json("shares")
    assert [(s["journal"], s["member"]) for s in shares] == [(copy, "drsmith")]


async def test_narrowing_is_in_the_sync_json_and_a_full_unshare_after_it_is_told_too(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana, phone, drsmith = await laptop_phone_and_therapist(live_server, tmp_path)
    await ana.ok("share", "Personal", "drsmith", "--only", "mood")
    report = await phone.json("sync")
    [told] = report["departures"]
    assert (told["member"], told["journal"], told["reason"], told["narrowed"]) == (
        "drsmith", "Personal", "unshared", "Personal (mood) for drsmith",
    )  # fmt: skip
    await ana.ok("unshare", "Personal", "drsmith")
    ended = await phone.ok("sync")
    assert ended.stdout == "1 share change (below)\n"  # told once, by its notice (NU25 C5)
    copy = "drsmith no longer reads the mood of Personal (a copy kept for them)"
    assert f"Notice: {copy}: the share was ended from one of your devices (" in unwrapped(
        ended.stderr
    )
    assert (ended.stdout + unwrapped(ended.stderr)).count(copy) == 1
