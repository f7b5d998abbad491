"""NU26 C6 (CLI): a therapist's empty `tj measure list` says nothing was shared with them
yet, instead of telling them to fill in a PHQ-9 (a client's still suggests taking one).
Real server on 127.0.0.1, real crypto."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

TOFU = "--trust-on-first-use"

NO_RESULTS = (  # a client's show here too (NU48 #12: a therapist read a client's advice)
    "No results yet: your own show here once you take one (`tj measure take phq9`), a client's "
    "once they share a journal with you."
)


async def test_an_empty_measure_list_speaks_to_who_reads_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    own = await ana.ok("measure", "list")
    assert own.stderr.strip() == NO_RESULTS
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    for asked in (("measure", "list"), ("measure", "list", "--journal", "ana/Personal")):
        listed = await drsmith.ok(*asked)
        assert listed.stderr.strip() == "No results shared with you yet.", (asked, listed)
        assert "tj measure take" not in listed.output
    mine = await drsmith.ok("measure", "list", "--journal", "Personal")  # their own journal
    assert mine.stderr.strip() == NO_RESULTS
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await drsmith.ok("sync")
    assert len(await drsmith.json("measure", "list")) == 1


async def test_an_empty_measure_list_of_a_journal_named_any_way_speaks_to_its_reader(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """rev-c: the journal is found as every command finds it (client_sdk context.local_journal:
    another case, an id prefix, or the username of a client sharing one journal, NU25 C3),
    not by an exact name or id only: those said "take one" to a therapist."""
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await ana.ok("share", "Personal", "drsmith", "--full", TOFU)
    await drsmith.ok("sync")
    [shared] = [j for j in await drsmith.json("journal", "list") if j["owner"] == "ana"]
    for named in ("ana", "ANA/personal", shared["id"][:8]):
        listed = await drsmith.ok("measure", "list", "--journal", named)
        assert listed.stderr.strip() == "No results shared with you yet.", (named, listed)
    mine = await ana.ok("measure", "list", "--journal", "personal")
    assert mine.stderr.strip() == NO_RESULTS
