"""R40 F1 through the CLI: `tj safety plan --emergency 112` on a plan from before per-member
opt-in opts in, without naming or asking, a member the journal was shared with after the
old opt-in (and says so only afterwards, "flags reach drsmith, tom"). Real server on
loopback, real crypto. See /work/R40-FINDINGS.md."""

from __future__ import annotations

from pathlib import Path

from tests.client.test_r40_consent import plan_from_before_per_member_opt_in
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


async def test_an_emergency_number_edit_never_opts_in_a_member_unnamed(
    live_server: RunningServer, tmp_path: Path
) -> None:
    from client_sdk import Client

    ana = await new_device(live_server, tmp_path, "ana")
    await new_device(live_server, tmp_path, "drsmith")
    await new_device(live_server, tmp_path, "tom")
    share = ("--role", "annotate", "--full", "--trust-on-first-use")
    await ana.ok("share", "Personal", "drsmith", *share)
    async with await Client.open(ana.home) as client:  # an older app's opt-in
        await plan_from_before_per_member_opt_in(client)
    await ana.ok("share", "Personal", "tom", *share)  # no --safety-flags
    assert (await ana.json("safety", "plan"))["flags_reach"] == ["drsmith"]

    edited = await ana.tj("safety", "plan", "--emergency", "112", input="n\n")
    reach = (await ana.json("safety", "plan"))["flags_reach"]
    assert reach == ["drsmith"], (
        f"tom was opted in by an emergency number edit: {reach}; said: {edited.output}"
    )
