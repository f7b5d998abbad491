"""A hostile server that drops records it acknowledged and lies about it consistently: it
deletes them from its database and serves their writer a stub (seq, id and epoch as stored,
no ciphertext) in their place in every /v1/sync reply, as an honest server serves a device's
own records to a pull that asks `skip_own` (protocol.md "Own records as stubs"); it serves
the stub even to a pull that asked whole records, having no bytes to serve. Tests put it in
front of the writer's device only (`HostileServer.replies`)."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from contextlib import closing

from client_sdk import wire
from tests.client.sharing_support import server_db
from tests.conftest import RunningServer


class StubbedDrops:
    """The records dropped (`drop`), and the /v1/sync rewrite that serves them as stubs
    (`reply`)."""

    def __init__(self, live_server: RunningServer) -> None:
        self.database = server_db(live_server)
        self.dropped: dict[bytes, tuple[bytes, int, int]] = {}
        """record id -> (journal id, seq, epoch) as the server stored it."""

    def drop(self, record_ids: Iterable[bytes]) -> None:
        """Delete these records from the server's database (those it holds)."""
        with closing(sqlite3.connect(self.database)) as db, db:
            for record_id in record_ids:
                row = db.execute(
                    "SELECT journal_id, seq, epoch FROM records WHERE record_id = ?", (record_id,)
                ).fetchone()
                if row is not None:
                    self.dropped[record_id] = (bytes(row[0]), int(row[1]), int(row[2]))
                    db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    def reply(self, request: bytes, reply: bytes) -> bytes:
        """The real reply, with a stub of each dropped record in its page, where the record
        would have been, whatever the request asked."""
        asked = {c.journal_id: c.after for c in wire.decode(wire.SyncRequest, request).cursors}
        real = wire.decode(wire.SyncReply, reply)
        pages = []
        for page in real.pages:
            complete = page.cursor >= page.head
            stubs = [
                wire.StoredRecord(seq, record_id, epoch, b"")
                for record_id, (journal_id, seq, epoch) in self.dropped.items()
                if journal_id == page.journal_id
                and seq > asked.get(journal_id, 0)
                and (seq <= page.cursor or complete)
            ]
            if stubs:
                head = max(page.head, *(s.seq for s in stubs))
                page = dataclasses.replace(
                    page,
                    records=sorted([*page.records, *stubs], key=lambda r: r.seq),
                    head=head,
                    cursor=head if complete else page.cursor,
                )
            pages.append(page)
        return wire.encode(dataclasses.replace(real, pages=pages))
