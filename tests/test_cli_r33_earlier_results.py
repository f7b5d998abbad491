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


async def test_a_role_change_on_a_copy_never_says_only_its_fields_while_the_whole_is_shared(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """ana shares the mood and scores of Personal with tom, later the whole journal too
    (`--full`: the copy stays, with the same terms). `tj share COPY tom --role annotate`
    then says "tom still reads only the mood and scores of Personal ... nothing more is
    shared", "To share the whole journal instead: tj share Personal tom --full",
    although her device's verified chain of Personal shows tom a current member of
    the whole journal: he reads every entry in full, the private one below included."""
    ana = Device(tmp_path / "ana", live_server.url)
    await ana.json("signup", live_server.url, "ana")
    tom = Device(tmp_path / "tom", live_server.url)
    signed = await tom.json("signup", live_server.url, "tom")
    fingerprint = ("--fingerprint", signed["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    await ana.ok("share", "Personal", "tom", "--full", *fingerprint)
    await ana.ok("write", "--mood", "4", "Private: nobody knows about the drinking.")
    shares = await ana.json("shares")
    copy = next(s["journal"] for s in shares if s.get("fields"))
    whole = [s for s in shares if s["journal"] == "Personal" and s["member"] == "tom"]
    assert whole and whole[0]["fields"] is None and not whole[0]["expired"]  # signed, verified

    said = await ana.tj("share", copy, "tom", "--role", "annotate")
    await tom.ok("sync")
    assert "ana/Personal  Private: nobody knows" in (await tom.ok("list", "--all")).stdout
    if said.exit_code == 0:  # refusing, or saying he reads the whole journal, would be true
        assert "still reads only" not in said.stderr, said.stderr
        assert "nothing more is shared" not in said.stderr, said.stderr
