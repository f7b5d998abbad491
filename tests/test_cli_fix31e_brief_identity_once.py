"""fix31e item 5: `tj brief` asked the server for the therapist's identity
(/v1/account/identity) four times: twice before the question (the account exists, its keys
are known here) and twice in the share. Now once a command (`identity_asked_once`), each use
still checking the answer (its self-signature, the keys pinned here): a therapist whose keys
changed since pinned is still refused. Counted in the real server's access log on loopback;
real crypto; CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_fix31d_brief_syncs import requests_of
from tests.test_cli_insights import new_device

IDENTITY = "/v1/account/identity"


async def test_tj_brief_asks_for_the_therapists_identity_once(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok("share", "Personal", "drsmith", "--full", "--fingerprint", fingerprint)
    await ana.ok("write", "--tag", "to-discuss", "The move next month.")
    paths = await requests_of(live_server, ana, "brief", "drsmith", "--yes")
    assert paths.count(IDENTITY) == 1 and "/v1/journals/create" in paths, paths
    asked = await requests_of(live_server, ana, "brief", "drsmith", input="y\n")
    assert asked.count(IDENTITY) == 1 and "/v1/journals/create" in asked, asked
    typed = await requests_of(
        live_server, ana, "brief", "drsmith", "--fingerprint", fingerprint, "--yes"
    )
    assert typed.count(IDENTITY) == 1, typed
    await drsmith.ok("sync")
    assert len(await drsmith.json("briefs")) == 3


async def test_a_brief_to_keys_changed_since_pinned_is_still_refused(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--fingerprint", drsmith.signup["fingerprint"]
    )
    await drsmith.ok("account", "delete", "--yes")
    other = Device(tmp_path / "drsmith2", live_server.url)
    other.signup = await other.json("signup", live_server.url, "drsmith")
    before = len(live_server.log_file.read_text().splitlines())
    done = await ana.tj("brief", "drsmith", "--yes")
    assert done.exit_code != 0, done.output
    assert "drsmith" in done.stderr and "nothing was shared" in done.stderr, done.stderr
    after = live_server.log_file.read_text().splitlines()[before:]
    assert not any("/v1/journals/create" in line for line in after), after
    await other.ok("sync")
    assert await other.json("briefs") == []
