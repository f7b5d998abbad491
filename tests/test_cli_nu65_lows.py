"""Low findings of a new user's walk-through (NU65): one JSON shape and casing of a band for
every questionnaire (F1), the journal column of a therapist's `tj measure list` (F4), a
locked profile's passphrase asked once by `tj write` with the editor (F6), a therapist's
private notes in one client's export (F8), a field a copy does not carry told apart from an
empty one in `--json` (F10), every folder an export makes private (F13)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import RunningServer
from tests.test_cli import Device
from tests.test_cli_insights import new_device
from tests.test_cli_journal_features import editor_script

PASSPHRASE = "blue whale 42 and more"


async def client_and_therapist(
    server: RunningServer, tmp_path: Path, *share: str
) -> tuple[Device, Device]:
    ana = await new_device(server, tmp_path, "ana")
    lee = await new_device(server, tmp_path, "drlee")
    await ana.ok("share", "Personal", "drlee", *share, "--trust-on-first-use")
    return ana, lee


async def test_every_questionnaires_json_has_one_shape_and_one_band_casing(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F1: GAD-7's "band" was "mild", PHQ-9's "Moderate"; GAD-7's take had no
    "score_only_readers"."""
    ana = await new_device(live_server, tmp_path, "ana")
    gad = await ana.json("measure", "take", "gad7", "--answers", "1,2,1,0,1,1,0")
    phq = await ana.json("measure", "take", "phq9", "--answers", "2,2,1,1,1,1,1,1,0")
    pcl = await ana.json("measure", "take", "pcl5", "--answers", ",".join(["0"] * 20))
    assert set(gad) == set(phq) == set(pcl)
    assert (gad["band"], gad["band_label"]) == ("mild", "Mild")
    assert (phq["band"], phq["band_label"]) == ("moderate", "Moderate")
    assert pcl["band"] == pcl["band_label"] == "below the provisional cut-point"
    assert [r["band_id"] for r in (gad, phq, pcl)] == ["mild", "moderate", "below_cut_point"]
    assert gad["score_only_readers"] == phq["score_only_readers"] == []
    listed = await ana.json("measure", "list")
    assert sorted(r["band"] for r in listed) == sorted(
        ["mild", "moderate", "below the provisional cut-point"]
    )
    probable = await ana.json(
        "measure", "take", "pcl5", "--answers", ",".join(["2"] * 17 + ["0"] * 3)
    )
    assert (probable["score"], probable["band_id"]) == (34, "probable_ptsd")  # NU70 F15
    text = (await ana.ok("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,2,0")).stdout
    assert "(Moderately Severe)" in text  # people read the PHQ Instruction Manual's words


async def test_a_therapists_measure_list_keeps_an_ended_copys_name_on_few_lines(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F4: at 80 columns the journal column read "ana/", "Personal", "(no", "longer",
    "served)" on five lines for every result."""
    ana, lee = await client_and_therapist(live_server, tmp_path, "--full")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await ana.ok("measure", "take", "gad7", "--answers", "1,2,1,0,1,1,0")
    await ana.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,1,0")
    await lee.ok("sync")
    await ana.ok("unshare", "Personal", "drlee", "--yes")
    await lee.ok("sync")
    table = (await lee.ok("measure", "list", env={"COLUMNS": "80"})).stdout
    lines = table.splitlines()
    assert sum("ana/Personal" in line for line in lines) == 3, table
    for index, line in enumerate(lines):
        if "ana/Personal" in line:  # the mark below it, on at most two lines
            rest = " ".join(" ".join(lines[index + 1 : index + 3]).split())
            assert "(no longer served)" in rest, table
            assert not lines[index + 1].strip().endswith("(no"), table


async def test_a_locked_profile_asks_its_passphrase_once_around_the_editor(
    tmp_path: Path, live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F6: `tj write` with the editor asked "Passphrase:" before the editor and again
    after it: here stdin holds it once, and the second ask found nothing."""
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("lock", env={"TJ_NEW_PASSPHRASE": PASSPHRASE})
    monkeypatch.setattr("cli.editor.stdin_is_terminal", lambda: True)
    env = {**editor_script(tmp_path, "Written while locked."), "TJ_PASSPHRASE": None}
    written = await ana.ok("write", "--mood", "5", input=PASSPHRASE + "\n", env=env)
    entry = await ana.json("show", written.stdout.strip(), env={"TJ_PASSPHRASE": PASSPHRASE})
    assert (entry["body"], entry["mood"]) == ("Written while locked.", 5)


async def test_one_clients_export_holds_the_therapists_private_notes_about_them(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F8: `tj export --client ana`, the export the CLI advises before `tj forget`, had
    `"private_notes": []` while a note about ana existed."""
    ana, lee = await client_and_therapist(live_server, tmp_path, "--full")
    ben = await new_device(live_server, tmp_path, "ben")
    await ben.ok("share", "Personal", "drlee", "--full", "--trust-on-first-use")
    await lee.ok("sync")
    about_ana = "Item 9 = 3 on 12-06; assess risk Thursday."
    await lee.ok("private-notes", "add", "ana/Personal", about_ana)
    await lee.ok("private-notes", "add", "ben/Personal", "Ben: sleep diary next week.")
    out = tmp_path / "out"
    done = await lee.ok("export", "--client", "ana", "--out", str(out))
    assert "1 private note" in done.stderr, done.stderr
    data = json.loads(Path(done.stdout.strip()).read_text())
    assert [n["text"] for n in data["private_notes"]] == [about_ana]
    markdown = tmp_path / "md"
    await lee.ok("export", "--client", "ana", "--format", "markdown", "--out", str(markdown))
    [page] = markdown.rglob("private-notes.md")
    assert about_ana in page.read_text() and "Ben: sleep" not in page.read_text()
    assert page.parent.parent.name == "ana"  # beside the journal it is about
    await ana.ok("unshare", "Personal", "drlee", "--yes")  # an ended share: still in
    await lee.ok("sync")
    later = await lee.ok("export", "--client", "ana", "--out", str(tmp_path / "later"))
    notes = json.loads(Path(later.stdout.strip()).read_text())["private_notes"]
    assert [n["text"] for n in notes] == [about_ana]


async def test_a_field_a_copy_does_not_carry_is_told_apart_in_json(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F10: in a mood-and-tags copy, "title": "" and "emotions": [] read like fields the
    client left empty."""
    ana, lee = await client_and_therapist(live_server, tmp_path, "--only", "mood,tags")
    await ana.ok(
        "write", "--title", "Secret title", "--mood", "3", "--tag", "family",
        "--emotion", "sad", "Private text.",
    )  # fmt: skip
    await lee.ok("sync")
    [entry] = await lee.json("list", "--journal", "ana")
    assert (entry["title"], entry["body"], entry["emotions"]) == (None, "", [])  # absent: null
    assert (entry["mood"], entry["tags"]) == (3, ["family"])
    assert entry["shared_fields"] == ["mood", "tags"]
    assert (await lee.json("show", entry["id"]))["shared_fields"] == ["mood", "tags"]
    [own] = await ana.json("list")
    assert own["shared_fields"] is None  # every field the writer's


async def test_every_folder_of_a_markdown_export_is_private(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """F13: under umask 022 a therapist's Markdown export made the client's folder "ana"
    0755 among 0700 ones."""
    ana, lee = await client_and_therapist(live_server, tmp_path, "--full")
    await ana.ok("write", "A day.")
    await lee.ok("sync")
    out = tmp_path / "new"  # made by the export (a missing parent is refused: nu80 F5)
    before = os.umask(0o022)
    try:
        await lee.ok("export", "--client", "ana", "--format", "markdown", "--out", str(out))
        await lee.ok("export", "--out", str(tmp_path / "deeper"))
    finally:
        os.umask(before)
    made = [tmp_path / "new", *(tmp_path / "new").rglob("*"), tmp_path / "deeper"]
    made += list((tmp_path / "deeper").rglob("*"))
    assert any(p.name == "ana" for p in made)
    modes = {str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode) for p in made}
    wanted = {str(p.relative_to(tmp_path)): 0o700 if p.is_dir() else 0o600 for p in made}
    assert modes == wanted


def test_a_briefs_digest_keeps_the_instruments_band_label() -> None:
    """F1's JSON casing is for `--json` and exports; a brief is a stored document whose
    readers show `band_label(band)`: "moderately severe" would stay lower case there."""
    from client_sdk.brief import compute_brief
    from client_sdk.caseload import latest_scores
    from tests.client.test_brief_period_and_end import at, phq9

    result = phq9("r1", at(1, 9), 16, "Moderately Severe")
    brief = compute_brief([], [result], [], [], now=at(1, 18), days=14)
    assert [(s["band"], "band_label" in s) for s in brief.scores] == [("Moderately Severe", False)]
    assert "PHQ-9: 16 (Moderately Severe)" in brief.text()
    [line] = latest_scores([result])
    assert (line.to_dict()["band"], line.to_dict()["band_label"]) == (
        "moderately severe",
        "Moderately Severe",
    )
