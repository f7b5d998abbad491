"""O1: a member's update that pycrdt cannot take (a value nested 50,000 deep kills the
process; a chain of nested maps makes a read of plain values recurse past Python's limit)
is refused before pycrdt sees it (`yjs_updates.refusal`, protocol.md §5 "Updates a device
refuses"): the owner's pull goes on, reports the record, and keeps everything else. A real
server on 127.0.0.1, real crypto; the pull that met the 50,000-deep value runs in a process
of its own, so that a crash is this test's failure, not the test run's end."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from client_sdk import Client, keys
from client_sdk.yjs_binary import varuint
from tests.client.sharing_support import journal_id, share_with
from tests.client.test_hostile_sync import forge, push
from tests.conftest import ClientFactory

PULLER = textwrap.dedent(
    """
    import asyncio, json, sys
    from client_sdk import Client

    async def main() -> None:
        client = await Client.open(sys.argv[1])
        try:
            report = await client.sync()
            entries = [entry.body for entry in await client.entries.list()]
            notes = [note.text for note in await client.notes.list("Personal")]
        finally:
            await client.close()
        print(json.dumps({"problems": report.problems, "entries": entries, "notes": notes}))

    asyncio.run(main())
    """
)


def _string(text: str) -> bytes:
    return varuint(len(text.encode())) + text.encode()


def note_update(*fields: bytes) -> bytes:
    """A note's update whose text struct comes first (not the canonical form the fast reader
    of new documents reads: pycrdt gets it), then `fields`, all of client 7 from clock 0."""
    text = b"\x04\x01" + _string("body") + _string("A note.")
    return b"\x01" + varuint(1 + len(fields)) + b"\x07\x00" + text + b"".join(fields) + b"\x00"


def deep_field(depth: int) -> bytes:
    """The field `created_at`, an array nested `depth` deep (clock 7: after the text)."""
    return (
        b"\x28\x01"
        + _string("fields")
        + _string("created_at")
        + b"\x01"
        + b"\x75\x01" * depth
        + b"\x7e"
    )


def nested_maps(count: int) -> list[bytes]:
    """The field `created_at`, a chain of `count` nested shared maps (clocks 7 on)."""
    first = b"\x27\x01" + _string("fields") + _string("created_at") + b"\x01"
    return [first] + [
        b"\x27\x00\x07" + varuint(6 + clock) + _string("k") + b"\x01" for clock in range(1, count)
    ]


async def pull_elsewhere(home: Path) -> dict[str, list[str]]:
    """Sync the closed profile at `home` in a process of its own; what it then reads."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PULLER, str(home),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, (process.returncode, err.decode()[-2000:])
    read: dict[str, list[str]] = json.loads(out)
    return read


@dataclass(frozen=True)
class Pushed:
    """ana's journal Personal (one entry), shared with tom (annotate), who wrote an honest
    note and then pushed a note's record of his own making (`member_pushes`)."""

    ana: Client
    tom: Client
    journal: bytes
    doc_id: bytes


async def member_pushes(signup: ClientFactory, payload: bytes) -> Pushed:
    """Set up `Pushed`, tom's record holding `payload` as its note's update."""
    ana, tom = await signup("ana"), await signup("tom")
    await ana.entries.write("Personal", "A private thought.")
    await ana.sync()
    await share_with(ana, tom, role="annotate")
    await tom.sync()
    await tom.notes.add("ana/Personal", "An honest note.")
    await tom.sync()
    personal = await journal_id(ana, "Personal")
    doc_id = keys.new_doc_id(tom.profile.account_id)
    upload = await forge(tom, "ana/Personal", doc_id, "note", payload, counter=1_000)
    await push(tom, personal, upload)
    return Pushed(ana, tom, personal, doc_id)


async def owner_pulls_elsewhere(
    signup: ClientFactory, login: ClientFactory, payload: bytes
) -> tuple[dict[str, list[str]], bytes]:
    """`member_pushes(payload)`, then a new device of ana's pulls in a process of its own:
    what it read (`pull_elsewhere`), and the note's document id."""
    pushed = await member_pushes(signup, payload)
    phone = await login("ana")
    home = phone.home
    await phone.close()
    return await pull_elsewhere(home), pushed.doc_id


async def test_a_members_value_nested_50000_deep_does_not_crash_the_owners_pull(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """A malicious annotating member pushes a note of 100 KB (a record may be 256 KB) holding
    a value nested 50,000 arrays deep. Before, pycrdt killed the owner's app (SIGSEGV) at
    every pull of every device. Now the owner's device refuses that record, says so, and
    keeps the member's honest note and its own entry."""
    payload = note_update(deep_field(50_000))
    assert 100_000 < len(payload) < 256 * 1024
    read, doc_id = await owner_pulls_elsewhere(signup, login, payload)
    assert read["entries"] == ["A private thought."]
    assert read["notes"] == ["An honest note."]
    refused = [
        p for p in read["problems"] if "malformed update: a value nested more than 64 deep" in p
    ]
    assert len(refused) == 1, read["problems"]
    assert doc_id.hex() in refused[0]


async def test_a_members_nested_shared_maps_do_not_break_the_owners_reads(
    signup: ClientFactory, login: ClientFactory
) -> None:
    """The same with a chain of 1,000 nested shared maps (8 KB, no deep value): pycrdt took
    it (the note was listed, its field a shared map where a number belongs), and reading
    the note's fields as plain values (`Document.field_values`, which the check of an
    annotation changed by another account runs) recursed past Python's limit
    (RecursionError). Now it is refused like the deep value."""
    pushed = await member_pushes(signup, note_update(*nested_maps(1_000)))
    phone = await login("ana")
    report = await phone.sync()
    refused = [p for p in report.problems if "malformed update: a nested shared type" in p]
    assert len(refused) == 1, report.problems
    assert pushed.doc_id.hex() in refused[0]
    assert [note.text for note in await phone.notes.list("Personal")] == ["An honest note."]
    assert [entry.body for entry in await phone.entries.list()] == ["A private thought."]
