"""`tj share J kim --role annotate --safety-flags --fingerprint NEW` after the member kim
erased her account and another person signed up as kim: the new account never read J, so
"Share all of J with kim?" is asked (default no) and a "no" shares nothing, whether the
owner's device learns of the erasure at the share's own sync (an honest server) or never
(a server that withholds it: the share is judged on the signed chain by account, fix31f)
(rev31d F1)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from client_sdk import wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


async def share_with_the_new_kim(ana: Device, other: Device) -> None:
    """ana shares Personal with the new kim, "y" to trusting the new keys, "n" to the whole
    journal; the new kim reads nothing of it."""
    done = await ana.tj(
        "share",
        "Personal",
        "kim",
        "--role",
        "annotate",
        "--safety-flags",
        "--fingerprint",
        other.signup["fingerprint"],
        input="y\nn\n",
    )
    assert "Trust these new keys for kim from now on?" in done.output, done.output
    assert "Share all of Personal with kim?" in done.output, done.output
    assert "Shared Personal" not in done.output, done.output
    await other.ok("sync")
    assert await other.json("list") == [], "the new kim reads ana's private diary unasked"


async def test_new_holder_of_an_erased_members_name_is_asked_about(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    kim = await new_device(live_server, tmp_path, "kim")
    await ana.ok("share", "Personal", "kim", "--role", "annotate", TOFU)
    await ana.ok("write", "private words", "--journal", "Personal")
    await kim.ok("sync")
    await kim.ok("account", "delete", "--yes")  # ana's device has not synced since
    other = Device(tmp_path / "kim2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "kim")
    await share_with_the_new_kim(ana, other)


async def test_hostile_server_hiding_the_erasure_gets_no_whole_journal_unasked(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    kim = await new_device(live_server, tmp_path, "kim")
    await ana.ok("share", "Personal", "kim", "--role", "annotate", TOFU)
    await ana.ok("write", "private words", "--journal", "Personal")
    await ana.ok("sync")
    frozen: dict[bytes, int] = {}
    for reply in hostile.replies_to("/v1/journals/list"):
        for j in wire.decode(wire.JournalList, reply).journals:
            frozen[j.journal_id] = j.meta_version

    def sync_frozen(_request: bytes, reply: bytes) -> bytes:
        synced = wire.decode(wire.SyncReply, reply)
        pages = [
            dataclasses.replace(p, meta_version=frozen[p.journal_id])
            if p.journal_id in frozen
            else p
            for p in synced.pages
        ]
        return wire.encode(dataclasses.replace(synced, pages=pages))

    hostile.replies["/v1/sync"] = sync_frozen  # the erasure is never reported to ana
    await kim.ok("account", "delete", "--yes")
    other = Device(tmp_path / "kim2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "kim")
    await share_with_the_new_kim(ana, other)


async def test_terms_are_judged_for_the_account_the_share_goes_to(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """After the erased kim's removal was synced, the share to the new holder of the name
    (never named in the journal's chain) is not refused as if it were the removed kim's
    (`Shares.check_terms`, rev31d F2: "kim is not a member ... a role or an end date alone
    never shares"): it is asked about, as for any new member, and a yes shares it."""
    ana = await new_device(live_server, tmp_path, "ana")
    kim = await new_device(live_server, tmp_path, "kim")
    await ana.ok("share", "Personal", "kim", "--role", "annotate", TOFU)
    await kim.ok("account", "delete", "--yes")
    await ana.ok("sync")  # kim removed: "the server says their account was deleted"
    other = Device(tmp_path / "kim2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "kim")
    await ana.ok("write", "words for the new kim", "--journal", "Personal")
    done = await ana.tj(
        "share",
        "Personal",
        "kim",
        "--role",
        "annotate",
        "--safety-flags",
        "--fingerprint",
        other.signup["fingerprint"],
        input="y\ny\n",
    )
    assert "Share all of Personal with kim?" in done.output, done.output
    assert done.exit_code == 0, done.output
    assert "not a member" not in done.output, done.output
    await other.ok("sync")
    texts = [f"{e['title']} {e['body']}" for e in await other.json("list")]
    assert any("words for the new kim" in t for t in texts), texts
