"""R33: `tj unshare` saying "already ended ... nothing more to do" (u3, NU21 C4) while the
member still reads part of the journal. Real server on loopback; CliRunner. Fails on u3."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import Device


async def test_unshare_never_says_already_ended_while_the_member_reads_an_entry_of_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """tom's whole share of Personal ended long ago; since, ana shared one entry of Personal
    with him (`tj share-entry`, the journal of single items). `tj unshare Personal tom`
    answers "'Personal' is no longer shared with tom: the share was already ended ...;
    nothing more to do" and exits 0, found from Personal's old removal, while tom reads
    that entry: the client is told there is nothing left to end."""
    ana = Device(tmp_path / "ana", live_server.url)
    await ana.json("signup", live_server.url, "ana")
    tom = Device(tmp_path / "tom", live_server.url)
    signed = await tom.json("signup", live_server.url, "tom")
    fingerprint = ("--fingerprint", signed["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--full", *fingerprint)
    await ana.ok("unshare", "Personal", "tom", "--yes")
    entry = (await ana.ok("write", "I told my sister about the accident.")).stdout.strip()
    await ana.ok("share-entry", entry, "tom", *fingerprint)
    await tom.ok("sync")
    listed = await tom.json("list", "--all")  # the table cuts the text to a line (NU34 #9)
    assert [e["body"] for e in listed] == ["I told my sister about the accident."]  # tom reads it

    again = await ana.tj("unshare", "Personal", "tom", "--yes")
    if again.exit_code == 0:
        assert "nothing more to do" not in again.output, again.output
