"""How a refused change is worded once a journal shared with this account is no longer served
(`sync.refusal_words`): "no longer shared with you (the share ended)" only for an end this
device knows beyond the server's word; "no longer served to you (nothing ben signed says the
share ended ...)" for one the server alone stopped serving, as `tj shared-with-me` says it.
A copy of some fields the owner replaced while the member's device was not served the
owner's signed removal reads the same in every view outside `tj sync` (which says the new copy
"most likely replaces" it): never "share ended". Real server on loopback, real crypto, the
CLI."""

from __future__ import annotations

from pathlib import Path

from client_sdk.models import Journal
from client_sdk.sync import refusal_words
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

OWNER_ID = "ab" * 32


def copy_of(name: str, *, unlisted: bool, own: bool = False) -> Journal:
    return Journal("cd" * 16, name, "revoked", OWNER_ID, "ben", unlisted=unlisted, own=own)


def test_a_refusal_says_what_the_device_knows_of_the_end() -> None:
    served_no_more = refusal_words("forbidden", "", copy_of("ben/Personal", unlisted=True))
    assert served_no_more == (
        "ben/Personal is no longer served to you (nothing ben signed says the share ended: "
        "they may have ended it, or the server may be holding it back)"
    )
    ended = refusal_words("forbidden", "", copy_of("ben/Personal", unlisted=False))
    assert ended == "ben/Personal is no longer shared with you (the share ended)"
    gone = refusal_words("forbidden", "", copy_of("Dreams", unlisted=False, own=True))
    assert gone.startswith("Dreams is no longer on the server (deleted on another")
    assert refusal_words("too_large", "too large", copy_of("x", unlisted=True)) == "too large"


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_replaced_copy_the_member_was_not_told_ended_reads_no_longer_served(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ben = await new_device(live_server, tmp_path, "ben")
    drlee = await new_device(live_server, tmp_path, "drlee")
    share = ("share", "Personal", "drlee", "--trust-on-first-use", "--role", "annotate")
    await ben.ok(*share, "--only", "mood,scores")
    await ben.ok("write", "Slept well.", "--mood", "7")
    await drlee.ok("sync")
    old = "ben/Personal (mood, scores) for drlee"
    await ben.ok("share", "Personal", "drlee", "--only", "mood,scores,answers", "--yes")

    # drlee's note in the old copy, written before a sync told of the new one: refused
    noted = await drlee.tj("note", old, "Written before the sync.")
    assert noted.exit_code == 4, noted.output
    said = flat(noted.stderr)
    assert (
        f"Not delivered: '{old}' is no longer served to you (nothing ben signed says the share "
        "ended: they may have ended it, or the server may be holding it back)"
    ) in said, said
    assert "(the share ended)" not in said and "no longer shared with you" not in said, said
    [kept] = await drlee.json("set-aside", "list")
    assert kept["reason"].startswith(f"'{old}' is no longer served to you"), kept

    journals = {j["name"]: j for j in await drlee.json("shared-with-me")}
    assert (journals[old]["share_ended"], journals[old]["unlisted"]) == (False, True)
    listed = {j["name"]: j for j in await drlee.json("journal", "list")}
    assert listed[old]["access"] == "no longer served (read-only copy)", listed[old]
    [row] = await drlee.json("caseload")  # the new copy goes on: no row ended
    assert (row["read_only_copies"], row["share_ended"], row["unlisted"]) == (False, False, False)
    assert not any("share ended" in flag for flag in row["flags"]), row["flags"]
