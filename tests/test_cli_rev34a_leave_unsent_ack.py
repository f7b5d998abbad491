"""rev34a F3: `tj leave` counted an acknowledgement of a safety flag saved on this device
but never sent (offline, or a server answering 503 to its push) as "marked read": the leave
went through with no word of it, the server then refused the acknowledgement for good (the
share had ended), and the client was told the flag may never have reached the therapist.
Now the leave sends this device's unsent changes of the journal first and leaves only once
the server took them; when it cannot, nothing is left and the words name the unsent
acknowledgement and `tj sync`. The question and `--json` (`acknowledgements_sent`) name it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput
from tests.client.recording_proxy import recording_proxy
from tests.conftest import RunningServer
from tests.notice_times import unwrapped
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def test_a_leave_sends_an_unsent_acknowledgement_first_or_leaves_nothing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    async with recording_proxy(live_server.url) as proxy:
        dr = Device(tmp_path / "dr2", proxy.url)
        await dr.ok("login", proxy.url, "drsmith")
        await dr.ok("sync")
        [flag] = (await dr.json("safety", "flags"))["flags"]
        short = flag["id"][:12]
        # A server that takes no push (looks like an outage) while the flag is marked read.
        proxy.replies["/v1/sync"] = (503, b"")
        proxy.replies["/v1/records/push"] = (503, b"")
        acked = await dr.tj("safety", "ack", short)
        assert acked.exit_code == 0, acked.output
        del proxy.replies["/v1/sync"]

        # The leave cannot send it: refused, nothing left (on s26: "You left ana/Personal").
        n = len(proxy.requests)
        refused = await dr.tj("leave", "ana/Personal", "--yes")
        assert refused.exit_code == 1, refused.output
        said = unwrapped(refused.stderr)
        assert f"your acknowledgement of safety flag {short}" in said, said
        assert "You did not leave (still a member): sync first, then leave again" in said, said
        assert said.strip().endswith("(`tj sync`, then `tj leave ana/Personal`)"), said
        assert "/v1/records/push" in proxy.paths()[n:]
        assert "/v1/shares/leave" not in proxy.paths()[n:]
        as_json = await dr.tj("leave", "ana/Personal", "--yes", "--json")
        assert as_json.exit_code == 1, as_json.output
        error = json.loads(as_json.stdout)["error"]
        assert error["subject"] == "unsent before leaving", error
        assert "/v1/shares/leave" not in proxy.paths()[n:]
        listed = await dr.json("shared-with-me")
        assert any(s["journal"] == "ana/Personal" for s in listed), listed

        # Asked: the acknowledgement is named as not delivered yet.
        asked = await dr.tj("leave", "ana/Personal", input="n\n")
        question = unwrapped(asked.stderr)
        assert (
            f"Your acknowledgement of 1 safety flag of it ({short}, raised" in question
            and "is not delivered yet: not on the server, so ana does not see it read" in question
        ), question
        assert "/v1/shares/leave" not in proxy.paths()[n:]

        # The server takes pushes again: the leave sends it first, then leaves.
        del proxy.replies["/v1/records/push"]
        n = len(proxy.requests)
        left = await dr.tj("leave", "ana/Personal", "--yes", "--json")
        assert left.exit_code == 0, left.output
        done = json.loads(left.stdout)
        assert done["acknowledgements_sent"] == [flag["id"]], done
        assert done["unread_flags"] == [], done
        assert "was sent first: ana's devices show it read once they sync" in " ".join(
            left.stderr.split()
        ), left.stderr
        paths = proxy.paths()[n:]
        assert paths.index("/v1/records/push") < paths.index("/v1/shares/leave"), paths
        synced = await dr.ok("sync")
        assert "set aside" not in synced.output, synced.output

    await ana.ok("sync")
    [seen] = (await ana.json("safety", "flags"))["flags"]
    assert [a["by"] for a in seen["acknowledged"]] == ["drsmith"], seen
    assert seen["not_delivered"] == [], seen


async def test_the_sdk_names_an_unsent_acknowledgement_and_leaves_nothing_until_sent(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    async with recording_proxy(live_server.url) as proxy:
        dr = Device(tmp_path / "dr2", proxy.url)
        await dr.ok("login", proxy.url, "drsmith")
        await dr.ok("sync")
        client = await Client.open(dr.home)
        try:
            [flag] = await client.safety.flags()
            assert await client.shares.unsent_acknowledgements("ana/Personal") == []
            proxy.replies["/v1/records/push"] = (503, b"")
            await client.safety.acknowledge(flag.id)
            assert await client.shares.unsent_acknowledgements("ana/Personal") == [flag.id]
            with pytest.raises(InvalidInput) as refused:
                await client.shares.leave("ana/Personal")
            assert refused.value.subject == "unsent before leaving"
            assert refused.value.names["acknowledgements"] == flag.id
            assert refused.value.names["journal"] == "ana/Personal"
            assert "/v1/shares/leave" not in proxy.paths()
            assert [j.name for j in await client.journals.list()].count("ana/Personal") == 1
            del proxy.replies["/v1/records/push"]
            assert await client.shares.leave("ana/Personal") == "ana"
            assert await client.shares.unsent_acknowledgements("ana/Personal") == []
        finally:
            await client.close()
    await ana.ok("sync")
    [seen] = (await ana.json("safety", "flags"))["flags"]
    assert [a["by"] for a in seen["acknowledged"]] == ["drsmith"], seen
