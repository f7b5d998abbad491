"""R33: attacks on u3's NU21 C12 statement ("Not shared: the N questionnaire results already
in SOURCE ... so MEMBER does not see them"). Real server on loopback; CliRunner. Each test
fails on u3 (d6a11f0)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device


async def test_renewing_a_scores_share_never_says_results_the_member_reads_are_not_shared(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """ana shares the mood and scores of Personal with tom; then takes a PHQ-9 (item 9 above
    0), which the copy carries and tom reads. She runs the same `tj share Personal tom
    --only mood,scores` again (to re-check, or with --until to renew). u3 counts every
    result in Personal as "earlier" and prints "Not shared: the 1 questionnaire result
    already in Personal (... item 9 answered above 0) ... so tom does not see it", and tells
    her to send it again: false, tom has it. A client told her therapist cannot see an item-9
    answer may act on it (or send it twice)."""
    ana = Device(tmp_path / "ana", live_server.url)
    await ana.json("signup", live_server.url, "ana")
    tom = Device(tmp_path / "tom", live_server.url)
    signed = await tom.json("signup", live_server.url, "tom")
    fingerprint = ("--fingerprint", signed["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    await ana.ok("measure", "take", "phq9", "--answers", "2,2,2,2,1,2,2,1,1", "--difficulty", "2")
    await ana.ok("sync")
    await tom.ok("sync")
    [seen] = await tom.json("measure", "list")  # tom reads it, through the copy
    assert seen["score"] == 15

    again = await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    assert "tom does not see it" not in again.stderr, again.stderr
    assert "Not shared: the 1 questionnaire result" not in again.stderr, again.stderr
