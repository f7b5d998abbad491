"""`tj measure take` while the journal's access chain is rolled back (a server replaying an
old journal list): the result is not saved and no safety flag can be sealed for its answers,
and the words say that none will be for them unless the printed command saves them, which
then seals their flag (fix31c 4: the SDK notes nothing, so no later sync seals one; the
words said the save sealed "no second" flag). Real server on loopback, a hostile
proxy in front of it, CliRunner."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from client_sdk import Client, wire
from tests.client.hostile import HostileServer, hostile  # noqa: F401
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_take_refused_as_rolled_back_says_no_flag_will_be_sealed_later(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    ben = await new_device(live_server, tmp_path, "ben")
    ana = Device(tmp_path / "ana", hostile.url)
    ana.signup = await ana.json("signup", hostile.url, "ana")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("sync")
    before = hostile.replies_to("/v1/journals/list")[-1]  # the chain before ben's share
    await ana.ok(
        "share", "Personal", "ben", "--full", "--role", "read",
        "--fingerprint", ben.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("sync")

    def replay(request: bytes, reply: bytes) -> bytes:
        old = {j.journal_id: j for j in wire.decode(wire.JournalList, before).journals}
        current = wire.decode(wire.JournalList, reply).journals
        return wire.encode(wire.JournalList([old.get(j.journal_id, j) for j in current]))

    def bump(request: bytes, reply: bytes) -> bytes:
        real = wire.decode(wire.SyncReply, reply)
        pages = [dataclasses.replace(p, meta_version=p.meta_version + 100) for p in real.pages]
        return wire.encode(wire.SyncReply(pages, real.done))

    hostile.replies["/v1/journals/list"] = replay
    hostile.replies["/v1/sync"] = bump
    await ana.tj("sync")  # the rollback is seen, not believed
    taken = await ana.tj("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    text = said(taken.stderr)
    assert taken.exit_code != 0, text
    assert (
        "No safety flag was sent for these answers: none could be made without a score either"
        in text
    ), text
    assert "If you chose to send safety flags, tell your therapist yourself." in text, text
    assert "and none will be for these answers unless they are saved" in text, text
    # nothing sealed for them: the save, once it can be made, seals the first
    assert "makes their safety flag if you chose to send safety flags" in text, text
    assert "seals no second safety flag" not in text, text

    del hostile.replies["/v1/journals/list"], hostile.replies["/v1/sync"]  # the truth again
    await ana.tj("sync")
    client = await Client.open(ana.home)
    try:
        assert await client.safety.flags() == []  # nothing sealed for the refused answers
    finally:
        await client.close()
