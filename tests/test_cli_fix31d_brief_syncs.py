"""fix31d item 5: `tj brief --yes` syncs once before it shares (it synced twice: before
preparing the brief, then again inside `briefs.share` a moment later); read and answered,
it syncs again before sharing, as a share may change on another device while the client
reads. Counted in the real server's access log on loopback; real crypto; CliRunner."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device


async def requests_of(
    live_server: RunningServer, device: Device, *args: str, **options: str
) -> list[str]:
    """The paths the server was asked for while `tj ARGS` ran, in order."""
    before = len(live_server.log_file.read_text().splitlines())
    await device.ok(*args, **options)
    lines = live_server.log_file.read_text().splitlines()[before:]
    return [line.split()[1] for line in lines if line.startswith("POST /v1/")]


def syncs_before_sharing(paths: list[str]) -> int:
    """How many syncs came before the brief's journal was created on the server."""
    return paths[: paths.index("/v1/journals/create")].count("/v1/sync")


async def test_tj_brief_yes_syncs_once_before_sharing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok(
        "share", "Personal", "drsmith", "--full", "--fingerprint", drsmith.signup["fingerprint"]
    )
    await ana.ok("write", "--tag", "to-discuss", "The move next month.")
    paths = await requests_of(live_server, ana, "brief", "drsmith", "--yes")
    assert syncs_before_sharing(paths) == 1, paths
    asked = await requests_of(live_server, ana, "brief", "drsmith", input="y\n")
    assert syncs_before_sharing(asked) == 2, asked  # read first: synced again once answered
    await drsmith.ok("sync")
    assert len(await drsmith.json("briefs")) == 2
