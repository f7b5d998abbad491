"""NU46 #4 (CLI side): `tj write` into the field-level copy kept for a therapist is refused,
naming the journal to write in, and the empty copy's `tj list` says what fills it instead of
suggesting `tj write`. Real server on loopback, real crypto; CliRunner. See
/work/NU46-FINDINGS.md."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device
from tests.test_cli_nu30_findings import one_line

COPY = "Personal (mood, tags) for drlee"


async def test_tj_write_into_a_copy_kept_for_a_therapist_is_refused_and_its_empty_list_says_why(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    fingerprint = drlee.signup["fingerprint"]
    shared = await ana.json(
        "share", "Personal", "drlee", "--only", "mood,tags", "--fingerprint", fingerprint, "--json"
    )
    empty = await ana.ok("list", "--journal", COPY)
    since = shared["since"]
    assert since is not None
    assert empty.stdout == ""
    assert one_line(empty.stderr).startswith(
        f"No entries in '{COPY}' yet: it holds the mood and tags of the entries of Personal "
        "dated from "
    )
    assert one_line(empty.stderr).endswith(
        ", copied there when you write them; write in Personal, never in the copy."
    )
    refused = await ana.tj("write", "--journal", COPY, "test")
    assert failed_with_one_line(refused) == (
        f"Error: '{COPY}' is the copy of 'Personal' kept for drlee: it holds only the mood "
        "and tags of that journal's entries dated from the share's start, copied by the app, "
        "so nothing was written. Write in 'Personal' instead: drlee reads the mood and tags "
        "of its entries"
    )
    await drlee.ok("sync")
    assert (await drlee.json("list", "--json")) == []
    # the original is listed and searched as ever; the copy holds its mood and tags only
    await ana.ok("write", "--mood", "3", "--tag", "x", "test")
    [listed] = await ana.json("list", "--json")
    assert (listed["journal"], listed["body"]) == ("Personal", "test")
    [copy] = await ana.json("list", "--journal", COPY, "--json")
    assert (copy["mood"], copy["tags"], copy["body"]) == (3, ["x"], "")
