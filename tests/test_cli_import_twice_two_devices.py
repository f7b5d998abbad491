"""A journal holding only questionnaire results (a PHQ-9, item 9 answered), deleted on the
phone, restored on the laptop from the export of its read-only copy; the same file imported
on the phone, which synced the restore, adds nothing: no second journal, no second copy of
the answers (real server on loopback)."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import Device, laptop, phone  # noqa: F401


async def test_a_results_only_journal_imported_on_a_second_device_adds_nothing(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    await laptop.ok("journal", "create", "Dreams")
    await laptop.ok(
        "measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,2", "--journal", "Dreams",
    )  # fmt: skip
    await laptop.ok("sync")
    await phone.ok("sync")
    await phone.ok("journal", "delete", "Dreams", "--yes")
    await laptop.ok("sync")
    [gone] = [j["id"] for j in await laptop.json("journal", "list") if j["name"] == "Dreams"]
    out = tmp_path / "exp"
    path = (await laptop.ok("export", "--journal", gone[:12], "--out", str(out))).stdout.strip()
    first = " ".join((await laptop.ok("import", path)).stdout.split())
    assert "into 1 journal (new: 'Dreams (imported)')" in first, first
    await laptop.ok("sync")
    await phone.ok("sync")
    before = sorted(j["name"] for j in await phone.json("journal", "list"))
    assert before == ["Dreams (imported)", "Personal"], before

    again = " ".join((await phone.ok("import", path)).stdout.split())
    assert again == (
        "Nothing new to import: 1 questionnaire result already here (in 'Dreams (imported)')."
    ), again
    assert sorted(j["name"] for j in await phone.json("journal", "list")) == before
    assert len(await phone.json("measure", "list")) == 1
    report = await phone.json("import", path)
    assert report["held_in"] == {"Dreams (imported)": {"results": 1}}, report
    assert report["created_journals"] == [] and report["results"] == {}
