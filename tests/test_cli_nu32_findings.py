"""NU32 findings 10, 11 and 12 (a new user's walkthrough of the README), against a real server
on loopback with real crypto (see tests/test_cli.py for the set-up):

- #10: a mood check-in's emotion was shown nowhere in `tj list` (a blank "title or text");
- #11: a second `tj import` of a file said "imported 0 entries, 0 goals and 0 notes into 2
  journals; ..." and counted "therapist note(s)";
- #12: `tj journal rename` / `archive` said no "; synced." as `tj write` and `tj journal
  create` do, and `tj share-entry` echoed the prefix typed ("Shared entry e58e").
"""

from __future__ import annotations

from tests.table_cells import column
from tests.test_cli import Device, laptop  # noqa: F401

WIDE: dict[str, str | None] = {"COLUMNS": "200"}  # one line per table row


def one_line(text: str) -> str:
    return " ".join(text.split())


async def test_a_mood_check_in_shows_its_emotions_in_tj_list_as_tj_show_heads_them(
    laptop: Device,  # noqa: F811
) -> None:
    """#10: the "title or text" of a check-in without text is its emotions, "emotions: calm",
    the words `tj show` heads them with; an entry with a title or text shows that."""
    mood_id = (await laptop.ok("mood", "6", "--emotion", "calm", "--emotion", "tired")).stdout
    await laptop.ok("write", "--title", "Walk", "--emotion", "calm", "By the river.")
    await laptop.ok("mood", "4", "--note", "Long day.", "--emotion", "anxious")
    await laptop.ok("mood", "5")  # a mood alone: nothing to show but its mood
    listed = (await laptop.ok("list", "--oldest-first", env=WIDE)).stdout
    assert column(listed, "title or text") == [
        "emotions: calm, tired",
        "Walk",
        "Long day.",
        "",
    ]
    assert column(listed, "mood") == ["6/10", "", "4/10", "5/10"]
    shown = (await laptop.ok("show", mood_id.strip())).stdout
    assert "emotions: calm, tired" in one_line(shown)
