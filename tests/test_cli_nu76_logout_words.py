"""nu76 F9: offline, `tj logout` counts what never reached the server by kind ("1 entry, 1
questionnaire result and 1 safety flag"), never as "3 items (entries, goals, notes...)",
names the safety flag once, and says once how to send it (`tj sync`), in its question, its
`--yes` refusal and its notice after `--discard-unsynced` (real server on loopback, stopped
with the `outage` fixture)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage  # noqa: F401 (fixtures)
from tests.test_cli_nu56_findings import flat
from tests.test_cli_nu74_logout import NEVER, flag_offline

KINDS = "1 entry, 1 questionnaire result and 1 safety flag"


async def test_logout_counts_by_kind_names_the_flag_once_and_advises_once(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    await flag_offline(live_server, laptop, outage, tmp_path)  # offline from here
    await laptop.ok("write", "Offline day.")

    declined = await laptop.tj("logout", input="n\n")
    said = flat(declined.stderr)
    assert declined.exit_code == 1, said
    assert f"Changes to {KINDS} on this device have not reached the server" in said, said
    assert "entries, goals, notes" not in said and said.count(NEVER) == 1, said
    assert said.count("`tj sync`") == 1, said
    assert "If it cannot be sent first, tell drsmith yourself" in said, said

    refused = await laptop.tj("logout", "--yes", "--json")
    said = flat(refused.stderr)
    assert refused.exit_code == 1, said
    assert f"changes to {KINDS} on this device have not reached the server" in said, said
    assert "entries, goals, notes" not in said and said.count(NEVER) == 1, said
    assert said.count("`tj sync`") == 1, said
    assert (
        "To keep them and send the safety flag, run `tj sync` when the server can be "
        "reached, then log out" in said
    ), said
    assert len(json.loads(refused.stdout)["error"]["unsent_flags"]) == 1

    done = await laptop.tj("logout", "--yes", "--discard-unsynced", "--json")
    said = flat(done.stderr)
    assert done.exit_code == 0, said
    assert f"Changes to {KINDS} that had not reached the server were discarded." in said, said
    assert "entries, goals, notes" not in said, said
    assert json.loads(done.stdout)["discarded"] == 3
