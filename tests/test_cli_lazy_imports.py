"""`tj` imports what a command needs (issue 10): starting, writing, syncing and listing do not
import the caseload, briefs, insights, questionnaires or homework; a command that needs them
(`tj caseload`) does. `tj --help` and `tj --version` do not import the client, sync, wire
messages, documents or the libraries they bring (perf33c); a command that opens the journal
does. Run as real processes: sys.modules after each command."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from pathlib import Path

from tests.conftest import PASSWORD, ClientFactory

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
)
CLIENT_MODULES = (
    "aiohttp",
    "pycrdt",
    "client_sdk.client",
    "client_sdk.documents",
    "client_sdk.sync",
    "client_sdk.wire",
)
"""What a command that opens the journal needs and `tj --help` does not (about 130 ms of CPU
at every start, perf33c)."""

RUN_TJ = textwrap.dedent(
    """
    import json, sys
    from cli.main import cli

    try:
        cli(sys.argv[2:], prog_name="tj")
    except SystemExit as done:
        status = done.code
    print(json.dumps({
        "status": status,
        "care": sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules),
    }), file=sys.stderr)
    """
)


async def tj(
    home: Path, *args: str, watched: tuple[str, ...] = CARE_MODULES
) -> tuple[str, dict[str, object]]:
    """Run `tj --home HOME ARGS` in a fresh process: its stdout, and which of `watched` it
    imported (as "care")."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN_TJ, json.dumps(watched), "--home", str(home), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={
            **os.environ,
            "TJ_PASSWORD": PASSWORD,
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        },
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), HANG)
    assert process.returncode == 0, err.decode()
    seen = json.loads(err.decode().strip().splitlines()[-1])
    assert seen["status"] == 0, err.decode()
    return out.decode(), seen


async def test_everyday_commands_import_no_care_module(
    signup: ClientFactory, login: ClientFactory
) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "from the laptop")
    await laptop.sync()
    phone = await login("ana")
    home = phone.home
    await phone.close()

    synced, seen = await tj(home, "sync")
    assert "1 new entry from laptop" in synced and seen["care"] == []
    _, seen = await tj(home, "write", "written by tj")  # and pushed at once
    assert seen["care"] == []
    listed, seen = await tj(home, "list")
    assert "written by tj" in listed and "from the laptop" in listed
    assert seen["care"] == []
    _, seen = await tj(home, "--help")
    assert seen["care"] == []
    # The check can fail: a command that needs them imports them.
    _, seen = await tj(home, "caseload")
    assert {"client_sdk.caseload", "client_sdk.brief", "client_sdk.scoring"} <= set(
        seen["care"]  # type: ignore[arg-type]
    )


async def test_help_and_version_import_no_client(signup: ClientFactory) -> None:
    laptop = await signup("ana")
    await laptop.entries.write(None, "from the laptop")
    home = laptop.home
    await laptop.close()

    helped, seen = await tj(home, "--help", watched=CLIENT_MODULES)
    assert "Usage: tj" in helped and seen["care"] == []
    versioned, seen = await tj(home, "--version", watched=CLIENT_MODULES)
    assert versioned.startswith("tj, version") and seen["care"] == []
    # The check can fail: a command that opens the journal imports them.
    listed, seen = await tj(home, "list", watched=CLIENT_MODULES)
    assert "from the laptop" in listed
    assert set(seen["care"]) == set(CLIENT_MODULES)  # type: ignore[arg-type]
