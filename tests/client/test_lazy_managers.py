"""Client builds each manager, and imports its module, at first use (client.py; issue 10):
a program that opens a profile, writes, lists and syncs does not import questionnaires,
briefs or the caseload; a manager built late still sees what one built at once would have
(the mirror of a field-level share runs on a write made by a client that never touched
`shares`)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from pathlib import Path

from client_sdk import Client
from tests.client.sharing_support import share_with
from tests.conftest import ClientFactory

HANG = 60.0  # seconds after which the subprocess is hung, not slow

CARE_MODULES = (
    "client_sdk.brief",
    "client_sdk.caseload",
    "client_sdk.insights",
    "client_sdk.practice",
    "client_sdk.measures",
    "client_sdk.results",
    "client_sdk.scoring",
    "client_sdk.schedule",
    "client_sdk.templates",
    "client_sdk.care",
    "client_sdk.portability",
    "client_sdk.safety_path",
)

EVERYDAY = textwrap.dedent(
    """
    import asyncio, json, sys
    from client_sdk import Client

    CARE = json.loads(sys.argv[2])

    async def main() -> None:
        client = await Client.open(sys.argv[1])
        try:
            await client.entries.write(None, "written by a fresh process", mood=6)
            report = await client.sync()
            listed = await client.entries.list()
            everyday = sorted(m for m in CARE if m in sys.modules)
            rows = await client.caseload.list()  # a therapist's view: its modules now load
            print(json.dumps({
                "listed": [e.body for e in listed],
                "pushed": report.pushed,
                "news": [n.source for n in report.news],
                "everyday": everyday,
                "after_caseload": sorted(m for m in CARE if m in sys.modules),
                "rows": len(rows),
            }))
        finally:
            await client.close()

    asyncio.run(main())
    """
)


async def test_opening_writing_listing_and_syncing_import_no_care_module(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    phone = await login("ana")
    await laptop.entries.write(None, "from the laptop")
    await laptop.sync()
    home = phone.home
    await phone.close()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", EVERYDAY, str(home), json.dumps(CARE_MODULES),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), HANG)
    assert process.returncode == 0, err.decode()
    seen = json.loads(out)
    # The work was done: the write, the list and a sync that pushed and pulled.
    assert sorted(seen["listed"]) == ["from the laptop", "written by a fresh process"]
    assert seen["pushed"] == 1 and seen["news"] == ["laptop"]
    assert seen["everyday"] == []
    # The check can fail: the same modules are imported once a manager needs them.
    assert {"client_sdk.caseload", "client_sdk.brief", "client_sdk.practice"} <= set(
        seen["after_caseload"]
    )
    assert seen["rows"] == 0  # ana has no clients


async def test_managers_are_built_once_at_first_use_on_one_context(signup: ClientFactory) -> None:
    ana = await signup("ana")
    client = await Client.open(ana.home)
    try:
        assert "caseload" not in vars(client) and "entries" not in vars(client)
        caseload = client.caseload
        assert client.caseload is caseload  # built once
        assert {"caseload", "briefs", "entries", "prompts", "notes"} <= set(vars(client))
        for manager in (client.entries, client.journals, client.goals, client.shares):
            assert manager._context is client.context
    finally:
        await client.close()


async def test_a_write_by_a_client_that_never_used_shares_is_mirrored(
    signup: ClientFactory,
) -> None:
    ana, tom = await signup("ana"), await signup("tom")
    await share_with(ana, tom, only=["mood"])
    fresh = await Client.open(ana.home)  # its managers are not built yet
    try:
        await fresh.entries.write("Personal", "A long day at work.", mood=3)
        assert "shares" not in vars(fresh)
        await fresh.sync()
    finally:
        await fresh.close()
    await tom.sync()
    [entry] = await tom.entries.list()
    assert (entry.mood, entry.body) == (3, "")  # the mood only, as the share says
