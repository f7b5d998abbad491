"""What an app parses from `--json`, by one rule (README's `--json` paragraph): a value the
device does not have is JSON null, never "" (texts) nor a missing key, and a boolean the device
knows is never null; a safety flag says where it stands in one field, "status" ("not sent",
"not delivered", "acknowledged", "sent"). Real server on loopback, the CLI through
CliRunner; every output is parsed as JSON, never grepped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from client_sdk import Client
from client_sdk.safety import Acknowledgement, SafetyFlag
from tests.conftest import TEST_SETTINGS, RunningServer
from tests.offline_flag import flag_sealed_offline
from tests.test_cli import Device, laptop, phone  # noqa: F401
from tests.test_cli_insights import new_device


def empty_texts(value: Any, path: str = "") -> list[str]:
    """Where parsed JSON `value` holds "" (by path)."""
    if value == "":
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in empty_texts(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for n, v in enumerate(value) for p in empty_texts(v, f"{path}[{n}]")]
    return []


async def test_a_flags_status_says_whether_it_left_was_acknowledged_or_is_still_here(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--role", "annotate",
        "--trust-on-first-use", "--safety-flags",
    )  # fmt: skip
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,1")
    [sent] = (await ana.json("safety", "flags"))["flags"]
    assert (sent["status"], sent["unsent"], sent["acknowledged"]) == ("sent", False, [])
    [received] = (await drsmith.json("safety", "flags"))["flags"]
    assert (received["id"], received["status"], received["unsent"]) == (sent["id"], "sent", False)
    await drsmith.ok("safety", "ack", sent["id"])
    [acked] = (await ana.json("safety", "flags"))["flags"]
    assert (acked["status"], [a["by"] for a in acked["acknowledged"]]) == (
        "acknowledged",
        ["drsmith"],
    )

    live_server.clock.now += TEST_SETTINGS.token_ttl_ms + 1  # ana's session expired
    offline = await Client.open(ana.home)  # the answer recorded, never sent
    try:
        taken = await offline.measures.take("phq9", [2, 2, 2, 2, 2, 2, 2, 2, 2])
        flag_id = (await offline.safety.respond(taken.result)).flag_id
    finally:
        await offline.close()
    rows = {f["id"]: f for f in (await ana.json("safety", "flags"))["flags"]}
    assert (rows[flag_id]["status"], rows[flag_id]["unsent"]) == ("not sent", True)
    assert rows[sent["id"]]["status"] == "acknowledged"
    assert empty_texts(list(rows.values())) == []
    for row in rows.values():  # booleans the device knows are never null
        for key in ("unsent", "share_ended", "unlisted", "read_only_copy", "before_share"):
            assert isinstance(row[key], bool), (key, row)


def test_status_takes_the_first_that_holds() -> None:
    at = datetime(2026, 12, 6, tzinfo=UTC)
    flag = SafetyFlag("f", "Personal", "j", "ana", "r", "phq9", 9, 1, at)
    ack = (Acknowledgement("drsmith", at),)
    assert flag.status == "sent"
    assert SafetyFlag(**{**flag.__dict__, "acknowledged": ack}).status == "acknowledged"
    lost = {**flag.__dict__, "acknowledged": ack, "not_delivered": ("drlee",)}
    assert SafetyFlag(**lost).status == "not delivered"
    assert SafetyFlag(**{**lost, "unsent": True}).to_dict()["status"] == "not sent"


async def test_sync_json_names_a_renamed_journals_id_and_departures_hold_no_empty_text(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    await laptop.ok("journal", "create", "Temp")
    await phone.ok("sync")
    ids = {j["name"]: j["id"] for j in await phone.json("journal", "list")}
    await laptop.ok("journal", "rename", "Temp", "Temp two")
    synced = await phone.json("sync")
    [renamed] = [n for n in synced["news"] if n["kind"] == "journal"]
    assert (renamed["journal"], renamed["renamed_from"], renamed["journal_id"]) == (
        "Temp two",
        "Temp",
        ids["Temp"],
    )
    assert renamed["from"] is None  # no device named for a journal's news: null, not ""
    await laptop.ok("journal", "delete", "Temp two", input="Temp two\n")
    synced = await phone.json("sync")
    [gone] = synced["departures"]
    assert gone["journal_id"] == ids["Temp"]
    assert empty_texts(synced) == [], empty_texts(synced)
    assert (gone["member"], gone["owner"], gone["source"], gone["role"]) == (None,) * 4


async def test_a_set_aside_change_has_one_row_shape_in_tj_sync_and_tj_set_aside_list(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The safety flag and the result refused as their journal was deleted elsewhere: `tj
    sync --json`'s `set_aside` rows are `tj set-aside list --json`'s, key for key (their
    kind said, no text a flag has not: null), built by one function."""
    _, flag_id = await flag_sealed_offline(
        live_server, laptop, phone, tmp_path, [1, 1, 1, 1, 1, 1, 1, 1, 2], journal="Work"
    )
    await laptop.ok("journal", "delete", "Work", input="Work\n")
    synced = await phone.tj("sync", "--json")  # exit 4: set aside
    rows = json.loads(synced.raw_stdout)["set_aside"]
    listed = await phone.json("set-aside", "list")
    assert rows and rows == listed, (rows, listed)
    kinds = {row["doc_id"]: row["kind"] for row in listed}
    assert kinds[flag_id] == "safety_flag" and "measure" in kinds.values(), kinds
    assert all(row["tried_again"] is True for row in listed), listed
    assert empty_texts(listed) == [], listed
    assert [row["title"] for row in listed] == [None] * len(listed)


async def test_a_new_sign_in_whose_name_no_device_shares_has_name_shared_null(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana_laptop = await new_device(live_server, tmp_path, "ana")
    await ana_laptop.ok("sync")  # the baseline
    tablet = Device(tmp_path / "tablet", live_server.url)
    await tablet.ok("login", live_server.url, "ana", "--device-name", "tablet")
    synced = await ana_laptop.json("sync")
    [new] = synced["new_devices"]
    assert (new["name"], new["name_shared"]) == ("tablet", None), new
    assert empty_texts(synced) == [], empty_texts(synced)
