"""rev34b F2: `tj leave` left silently with an acknowledgement of a safety flag the server
had refused for good (set aside: a 413 "storage_quota_exceeded"), never sent again: no word
in the question, `acknowledgements_sent: []`, and the flag's owner was told it "may NOT have
been delivered"; fix34e's own advice ("sync first, then leave again") led there too. Now an
acknowledgement set aside is sent once more before the leave; refused again, the leave goes
on only when the question (or the --yes line) named it as NOT delivered, and an
acknowledgement the leave's own push gets set aside stops the leave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk import Client, InvalidInput, wire
from tests.client.recording_proxy import RecordingProxy, recording_proxy
from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

FULL = (413, wire.encode(wire.ErrorReply("storage_quota_exceeded", "the account is full")))


def flat(text: str) -> str:
    """`text` on one line, as it was said (the CLI wraps messages at the terminal's width)."""
    return " ".join(text.split())


async def shared_flag(
    live_server: RunningServer, tmp_path: Path, proxy: RecordingProxy
) -> tuple[Device, Device, str]:
    """ana shares Personal with drsmith, safety flags included, and raises a flag; drsmith's
    device dr2 (through `proxy`) has synced it. Returns ana, dr2 and the flag's id."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    dr = Device(tmp_path / "dr2", proxy.url)
    await dr.ok("login", proxy.url, "drsmith")
    await dr.ok("sync")
    [flag] = (await dr.json("safety", "flags"))["flags"]
    return ana, dr, flag["id"]


async def test_a_set_aside_acknowledgement_is_sent_once_more_or_named_not_delivered(
    live_server: RunningServer, tmp_path: Path
) -> None:
    async with recording_proxy(live_server.url) as proxy:
        ana, dr, flag = await shared_flag(live_server, tmp_path, proxy)
        short = flag[:12]
        proxy.replies["/v1/records/push"] = FULL  # the server refuses it for good
        acked = await dr.tj("safety", "ack", short)
        assert "not delivered" in flat(acked.output), acked.output
        await dr.tj("sync")

        # Asked: named as NOT delivered (on s26: no word of it).
        n = len(proxy.requests)
        asked = await dr.tj("leave", "ana/Personal", input="n\n")
        question = flat(asked.stderr)
        assert f"Your acknowledgement of 1 safety flag of it ({short}, raised" in question
        assert "is NOT delivered: the server refused it for good (set aside)" in question
        assert "ana's devices say the flag may NOT have been delivered to you" in question
        assert "tell ana yourself that you read it" in question, question
        assert "/v1/shares/leave" not in proxy.paths()[n:]

        # The SDK lists it with its state, and leaves without it only when told so.
        client = await Client.open(dr.home)
        try:
            states = await client.shares.undelivered_acknowledgements("ana/Personal")
            assert states == {flag: "set_aside"}, states
            n = len(proxy.requests)
            with pytest.raises(InvalidInput) as refused:
                await client.shares.leave("ana/Personal")
            assert refused.value.subject == "unsent before leaving"
            assert refused.value.names["set aside"] == flag
            assert "tell ana yourself" in str(refused.value)
            assert "/v1/records/push" in proxy.paths()[n:]  # sent once more
            assert "/v1/shares/leave" not in proxy.paths()[n:]
        finally:
            await client.close()

        # --yes: sent once more, refused again, left; the line and --json name it.
        n = len(proxy.requests)
        left = await dr.tj("leave", "ana/Personal", "--yes", "--json")
        assert left.exit_code == 0, left.output
        done = json.loads(left.stdout)
        assert done["acknowledgements_not_delivered"] == [flag], done
        assert done["acknowledgements_sent"] == [], done
        said = flat(left.stderr)
        assert "was NOT delivered: the server refused it again (set aside)" in said, said
        assert "tell ana yourself that you read it" in said, said
        paths = proxy.paths()[n:]
        assert paths.index("/v1/records/push") < paths.index("/v1/shares/leave"), paths

    await ana.ok("sync")
    [seen] = (await ana.json("safety", "flags"))["flags"]
    assert seen["not_delivered"] == ["drsmith"], seen  # what dr2 was told


async def test_the_leave_sends_a_set_aside_acknowledgement_once_the_server_takes_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    async with recording_proxy(live_server.url) as proxy:
        ana, dr, flag = await shared_flag(live_server, tmp_path, proxy)
        proxy.replies["/v1/sync"] = (503, b"")
        proxy.replies["/v1/records/push"] = (503, b"")
        await dr.tj("safety", "ack", flag[:12])
        del proxy.replies["/v1/sync"]
        # The leave's own push gets it set aside: no leave (on s26 the advice then led to a
        # silent leave), and the words say it was set aside, not "would be".
        proxy.replies["/v1/records/push"] = FULL
        first = await dr.tj("leave", "ana/Personal", "--yes")
        assert first.exit_code == 1, first.output
        said = flat(first.stderr)
        assert (
            f"your acknowledgement of safety flag {flag[:12]} in 'ana/Personal' was refused by "
            "the server for good and set aside: NOT delivered" in said
        ), said
        assert "You did not leave (still a member)" in said, said
        assert "tell ana yourself that you read it" in said, said
        assert said.endswith(
            "(`tj set-aside retry`, then `tj sync`; or `tj leave ana/Personal`)"
        ), said
        assert "/v1/shares/leave" not in proxy.paths()

        # The server takes it again (space freed): the leave sends it first, then leaves.
        del proxy.replies["/v1/records/push"]
        left = await dr.tj("leave", "ana/Personal", "--yes", "--json")
        assert left.exit_code == 0, left.output
        done = json.loads(left.stdout)
        assert done["acknowledgements_sent"] == [flag], done
        assert done["acknowledgements_not_delivered"] == [], done
        assert "was sent first" in flat(left.stderr), left.stderr

    await ana.ok("sync")
    [seen] = (await ana.json("safety", "flags"))["flags"]
    assert [a["by"] for a in seen["acknowledged"]] == ["drsmith"], seen
    assert seen["not_delivered"] == [], seen
