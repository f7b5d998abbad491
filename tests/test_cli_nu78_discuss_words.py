"""NU78 F8: `tj discuss ID` and `tj discuss --off ID` never said what they did: marking printed
only the table, and `--off` said "Nothing is marked to discuss." whether it unmarked the item
or it was never marked. Each says what changed (or that nothing did) and, for a mark, the
command that takes it to the therapist. Real server on loopback."""

from __future__ import annotations

from tests.test_cli import Device
from tests.test_cli_journal_features import ana  # noqa: F401  (fixture)
from tests.test_cli_nu38a_findings import said


async def test_discuss_says_what_it_marked_or_unmarked(ana: Device) -> None:  # noqa: F811
    entry = (await ana.json("write", "Talk about the move."))["id"]
    short = entry[:6]
    tj = ana.command
    marked = said((await ana.ok("discuss", short)).stderr)
    assert (
        f"Marked entry {entry[:12]} to discuss: your next brief lists it (`{tj} brief THERAPIST`)."
    ) in marked, marked
    again = said((await ana.ok("discuss", short)).stderr)
    assert f"Entry {entry[:12]} was already marked to discuss." in again, again
    off = said((await ana.ok("discuss", "--off", short)).stderr)
    assert f"Unmarked entry {entry[:12]}: your next brief leaves it out." in off, off
    never = said((await ana.ok("discuss", "--off", short)).stderr)
    assert f"{short} was not marked to discuss: nothing changed." in never, never
    assert "Unmarked" not in never
