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


async def test_narrowing_a_whole_share_never_says_results_the_member_downloaded_are_unseen(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """tom reads the whole of Personal and downloads a PHQ-9 (item 9 above 0). ana narrows
    to `--only mood,scores`. u3 says "Not shared: the 1 questionnaire result already in
    Personal ... so tom does not see it": tom has it on his device (the SDK's own docs: the
    member keeps what they already downloaded)."""
    ana = Device(tmp_path / "ana", live_server.url)
    await ana.json("signup", live_server.url, "ana")
    tom = Device(tmp_path / "tom", live_server.url)
    signed = await tom.json("signup", live_server.url, "tom")
    fingerprint = ("--fingerprint", signed["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--full", *fingerprint)
    await ana.ok("measure", "take", "phq9", "--answers", "2,2,2,2,1,2,2,1,1", "--difficulty", "2")
    await ana.ok("sync")
    await tom.ok("sync")
    [seen] = await tom.json("measure", "list")
    assert seen["score"] == 15

    narrowed = await ana.ok(
        "share", "Personal", "tom", "--only", "mood,scores", "--yes", *fingerprint
    )
    assert "tom does not see it" not in narrowed.stderr, narrowed.stderr


async def test_a_refused_share_of_a_copy_signs_nothing_and_exits_non_zero(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj share COPY ...` with --full, --only, --safety-flags or another member: exit code
    not 0 and not one access-chain entry added on the server (of any journal)."""
    import sqlite3
    from contextlib import closing

    def entries() -> int:
        with closing(sqlite3.connect(live_server.data_dir / "journal.db")) as db:
            return int(db.execute("SELECT count(*) FROM access_chain").fetchone()[0])

    ana = Device(tmp_path / "ana", live_server.url)
    await ana.json("signup", live_server.url, "ana")
    tom = Device(tmp_path / "tom", live_server.url)
    signed = await tom.json("signup", live_server.url, "tom")
    bob = Device(tmp_path / "bob", live_server.url)
    bob_signed = await bob.json("signup", live_server.url, "bob")
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", "--fingerprint",
                 signed["fingerprint"])  # fmt: skip
    copy = "Personal (mood, scores) for tom"
    before = entries()
    for args in (
        ("tom", "--full"),
        ("tom", "--only", "mood"),
        ("tom", "--role", "annotate", "--safety-flags"),
        ("tom", "--safety-flags", "--full"),
        ("bob", "--fingerprint", bob_signed["fingerprint"]),
        ("bob", "--fingerprint", bob_signed["fingerprint"], "--full"),
    ):
        result = await ana.tj("share", copy, *args)
        assert result.exit_code != 0, (args, result.output)
        assert entries() == before, args
