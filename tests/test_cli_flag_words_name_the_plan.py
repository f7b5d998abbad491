"""The words about a safety flag say where help is: "Your safety plan: `tj safety plan`".
With more than one journal of one's own (each may show another plan, and `tj safety plan`
shows the default journal's), they name the flag's journal and its `--journal` words
(fix31c 5): the offline `tj sync`'s line and `tj safety flags`. Real server on loopback,
CliRunner, the server stopped with the `outage` fixture."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device, Outage, laptop, outage  # noqa: F401
from tests.test_cli_insights import new_device

HERE = "Your safety plan for Work: `tj safety plan --journal Work`"


def said(text: str) -> str:
    return " ".join(text.split())


async def test_a_waiting_flag_of_a_second_journal_names_that_journals_plan(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok("journal", "create", "Work")
    await laptop.ok("safety", "plan", "--journal", "Work", "--text", "Call Jo.")
    await laptop.ok(
        "share", "Work", "drsmith", "--full", "--role", "annotate", "--safety-flags",
        "--fingerprint", drsmith.signup["fingerprint"],
    )  # fmt: skip
    await outage.begin()
    await laptop.tj(
        "measure", "take", "phq9", "--journal", "Work", "--answers", "1,1,1,1,1,1,1,1,1"
    )
    offline = said((await laptop.tj("sync")).stderr)
    assert "for drsmith has NOT left this device" in offline, offline
    assert HERE in offline, offline
    assert "Your safety plan: `tj safety plan`" not in offline, offline
    listed = await laptop.tj("safety", "flags")
    text = said(listed.stdout + listed.stderr)
    assert HERE in text, text
