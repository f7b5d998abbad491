"""rev34d F2: `tj leave` sent a set-aside acknowledgement once more (fix34g) but abandoned a
note of the same journal the server had refused for good (set aside: a 413
"storage_quota_exceeded") without a word, and afterwards `tj set-aside retry` said "no longer
shared": the therapist's note could never be delivered. Now every change of the journal set
aside is sent once more before the leave; the question names it (with `tj set-aside retry`
then `tj sync` to try first), and, refused again, the --yes line and --json say it was NOT
delivered and never can be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput
from tests.client.recording_proxy import recording_proxy
from tests.conftest import RunningServer
from tests.test_cli_rev34b_leave_set_aside_ack import FULL, flat, shared_flag

NOTE = "Session notes: call me before Friday"


async def test_a_note_set_aside_is_sent_once_more_or_named_never_delivered(
    live_server: RunningServer, tmp_path: Path
) -> None:
    async with recording_proxy(live_server.url) as proxy:
        ana, dr, flag = await shared_flag(live_server, tmp_path, proxy)
        await dr.ok("safety", "ack", flag[:12])
        await dr.ok("sync")  # the acknowledgement is delivered
        proxy.replies["/v1/records/push"] = FULL  # the account is full: refused for good
        await dr.tj("note", "ana/Personal", NOTE)
        await dr.tj("sync")
        [aside] = await dr.json("set-aside", "list")
        doc = aside["doc_id"]

        # Asked: the note is named, with what to run to try first; nothing is left.
        n = len(proxy.requests)
        asked = await dr.tj("leave", "ana/Personal", input="n\n")
        question = flat(asked.stderr)
        assert (
            f"1 change of yours in it the server refused for good (set aside: note {doc[:8]}"
            in question
        ), question
        assert "you leave all the same and it can never be delivered" in question, question
        assert "answer no and run `tj set-aside retry`, then `tj sync`" in question, question
        assert "/v1/shares/leave" not in proxy.paths()[n:]

        # The SDK: sent once more; refused again, no leave unless the note was named.
        client = await Client.open(dr.home)
        try:
            assert [c.doc_id for c in await client.shares.set_aside_of("ana/Personal")] == [doc]
            n = len(proxy.requests)
            with pytest.raises(InvalidInput) as refused:
                await client.shares.leave("ana/Personal")
            assert refused.value.subject == "unsent before leaving"
            assert refused.value.names["changes set aside"] == doc
            assert "once you leave it never can be" in str(refused.value)
            assert "/v1/records/push" in proxy.paths()[n:]  # sent once more
            assert "/v1/shares/leave" not in proxy.paths()[n:]
        finally:
            await client.close()

        # --yes: sent once more, refused again, left; the line and --json name it.
        n = len(proxy.requests)
        left = await dr.tj("leave", "ana/Personal", "--yes", "--json")
        assert left.exit_code == 0, left.output
        done = json.loads(left.stdout)
        assert done["set_aside_not_delivered"] == [{"kind": "note", "id": doc}], done
        assert done["set_aside_sent"] == [], done
        said = flat(left.stderr)
        assert f"(set aside: note {doc[:12]}) was NOT delivered" in said, said
        assert "now that you left ana/Personal it can never be" in said, said
        paths = proxy.paths()[n:]
        assert paths.index("/v1/records/push") < paths.index("/v1/shares/leave"), paths


async def test_the_leave_sends_a_set_aside_note_first_once_the_server_takes_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    async with recording_proxy(live_server.url) as proxy:
        ana, dr, _ = await shared_flag(live_server, tmp_path, proxy)
        proxy.replies["/v1/records/push"] = FULL
        await dr.tj("note", "ana/Personal", NOTE)
        await dr.tj("sync")
        [aside] = await dr.json("set-aside", "list")
        del proxy.replies["/v1/records/push"]  # space freed
        left = await dr.tj("leave", "ana/Personal", "--yes", "--json")
        assert left.exit_code == 0, left.output
        done = json.loads(left.stdout)
        assert done["set_aside_sent"] == [{"kind": "note", "id": aside["doc_id"]}], done
        assert done["set_aside_not_delivered"] == [], done
        assert "was sent first" in flat(left.stderr), left.stderr
        assert await dr.json("set-aside", "list") == []
    await ana.ok("sync")
    assert NOTE in [n["text"] for n in await ana.json("notes")]
