"""rev31e F1: `tj safety flags --json`'s `answers_without_flag[].owner` named an erased
client by the plain username another account bears now, with no account id beside it, while
the text, the row's `journal` and `flags[].owner` say "kim (account 61ac5db6)": an app showing
the list would tie the item 9 answer to the new person. Real server on 127.0.0.1, real crypto,
CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"


async def test_an_erased_clients_answer_is_never_given_the_new_holder_of_her_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    kim = await new_device(live_server, tmp_path, "kim")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await kim.ok("share", "Personal", "drlee", "--full", "--role", "annotate", TOFU)
    await kim.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,3")
    await drlee.ok("verify", "kim", (await kim.ok("fingerprint")).stdout.strip())
    await drlee.ok("sync")
    [old_id] = [j["owner_id"] for j in await drlee.json("journal", "list") if j["owner"] == "kim"]
    await kim.ok("account", "delete", "--yes")
    await drlee.ok("caseload")
    new_kim = Device(tmp_path / "kim2", live_server.url)
    new_kim.signup = await new_kim.json("signup", live_server.url, "kim")
    await new_kim.ok("share", "Personal", "drlee", "--full", "--role", "annotate", TOFU)
    await drlee.tj("sync")
    await drlee.ok("verify", "kim", (await new_kim.ok("fingerprint")).stdout.strip(), "--yes")
    await drlee.ok("sync")

    [row] = (await drlee.json("safety", "flags"))["answers_without_flag"]
    assert row["safety_answer"] == 3
    owners = {j["owner_id"] for j in await drlee.json("journal", "list") if j["owner"] == "kim"}
    assert len(owners) == 2, owners  # the erased kim's copy, and the new kim's share
    assert row["owner_id"] == old_id
    assert row["owner"] == f"kim (account {old_id[:8]})", row  # as the text and `journal` say
    assert row["journal"].startswith(row["owner"] + "/"), row
