"""NU73 F5: a result's band and item 9 under the same keys, with the same values, in every
`--json` that names a result: `tj measure take`, `tj measure list`, `tj caseload`, `tj brief`
and `tj briefs` (`band` was the instrument's label in a brief's rows, the lower-case band
elsewhere); and a brief's result rows carry the result's id, its band's token and item 9
(answered above 0, its answer, or not known for a copy without answers). Real server on
loopback, real crypto; CliRunner."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from client_sdk.insights import TREND_DAYS
from tests.test_cli import Device
from tests.test_cli_r22_departures import ana, tom

__all__ = ["ana", "tom"]  # the fixtures, used by name

KEYS = ("band", "band_id", "band_label", "safety_concern", "safety_answer", "safety_unknown")
"""A result's keys that every `--json` naming a result gives alike (`MeasureResult.to_dict`)."""


def keys_of(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in KEYS}


async def test_every_json_naming_a_result_gives_its_band_and_item_9_alike(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", *fingerprint)
    taken = await ana.json("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,1,2")
    assert keys_of(taken) == {
        "band": "moderately severe",
        "band_id": "moderately_severe",
        "band_label": "Moderately Severe",
        "safety_concern": True,
        "safety_answer": 2,
        "safety_unknown": False,
    }
    gad = await ana.json("measure", "take", "gad7", "--answers", "1,1,0,0,1,1,1")
    assert (gad["band"], gad["band_id"], gad["band_label"]) == ("mild", "mild", "Mild")
    assert (gad["safety_concern"], gad["safety_answer"]) == (False, None)  # no safety item
    mine = {r["id"]: r for r in await ana.json("measure", "list")}

    made = await ana.json("brief", "tom", "--yes")
    rows = {r["result_id"]: r for r in made["brief"]["results"]}
    scores = {s["result_id"]: s for s in made["brief"]["scores"]}
    assert set(rows) == set(scores) == set(mine) == {taken["id"], gad["id"]}
    for result_id, result in mine.items():
        assert keys_of(rows[result_id]) == keys_of(result), result_id
        assert keys_of(scores[result_id]) == keys_of(result), result_id

    await tom.ok("sync")
    [brief] = await tom.json("briefs")
    received = {r["result_id"]: r for r in brief["digest"]["results"]}
    shown = await tom.json("show", brief["id"][:12])
    assert shown["digest"] == brief["digest"]
    [row] = await tom.json("caseload")
    held = {r["id"]: r for r in await tom.json("measure", "list")}
    assert set(received) == set(held) == set(mine)  # the ids tom's device holds them by
    for result_id, result in held.items():
        assert keys_of(received[result_id]) == keys_of(result) == keys_of(mine[result_id])
    for score in row["scores"]:
        assert keys_of(score) == keys_of(held[score["result_id"]]), score
    # the brief's text still says the PHQ Instruction Manual's words
    assert "PHQ-9: 17 (Moderately Severe)" in brief["text"]


async def test_a_brief_of_a_copy_without_answers_names_the_copys_result_and_no_item_9(
    ana: Device, tom: Device
) -> None:
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--only", "mood,scores", *fingerprint)
    own = await ana.json("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,3")
    assert (own["safety_concern"], own["safety_answer"]) == (True, 3)
    made = await ana.json("brief", "tom", "--yes")
    [row] = made["brief"]["results"]
    assert row["result_id"] != own["id"]  # the copy's id: never the client's own result's
    assert keys_of(row) == {
        "band": "none-minimal",
        "band_id": "none_minimal",
        "band_label": "None-minimal",
        "safety_concern": False,
        "safety_answer": None,  # not known to tom: not 0
        "safety_unknown": True,
    }

    await tom.ok("sync")
    [copy] = await tom.json("measure", "list")
    assert copy["id"] == row["result_id"]  # what `tj measure show ID` takes on tom's device
    [brief] = await tom.json("briefs")
    [received] = brief["digest"]["results"]
    assert keys_of(received) == keys_of(copy) == keys_of(row)
    assert received["result_id"] == copy["id"]


def test_a_brief_made_before_the_keys_reads_them_as_null() -> None:
    """A digest stored by an older app (no result_id, band_id or item 9 in its rows) reads
    each as null, never as a missing key; its band in the keys every JSON gives, the band's
    token from the shipped definition; a value of the wrong type is null too."""
    from client_sdk.brief import digest_json

    old = {
        "measure": "phq9",
        "name": "PHQ-9",
        "score": 16,
        "band": "Moderately Severe",
        "taken_at": "2026-12-01T09:00:00.000+00:00",
    }
    stored = {"scores": [{**old, "change": None}], "results": [old], "entries": 3}
    said = digest_json(stored)
    for row in (*said["scores"], *said["results"]):
        assert {k: row[k] for k in ("result_id", *KEYS)} == {
            "result_id": None,
            "band": "moderately severe",
            "band_id": "moderately_severe",
            "band_label": "Moderately Severe",
            "safety_concern": None,
            "safety_answer": None,
            "safety_unknown": None,
        }
    assert said["entries"] == 3 and stored["results"] == [old]  # the stored digest untouched
    odd = digest_json(
        {"results": [{**old, "result_id": 7, "safety_answer": True, "band_id": "x"}, "junk"]}
    )
    assert odd["results"][0]["result_id"] is None and odd["results"][0]["safety_answer"] is None
    assert odd["results"][0]["band_id"] == "moderately_severe"  # from the band, not the word
    assert odd["results"][1] == "junk"


def test_a_brief_stored_before_difference_reads_its_number_as_difference() -> None:
    """fix30c item 3: a brief stored before this version keeps a score's difference as
    "change" inside the "change" and "since_baseline" objects; its JSON gives it as
    "difference", as a new brief's does, so "change" has one type in every JSON."""
    from client_sdk.brief import digest_json

    old = {"earlier": 7, "later": 12, "change": 5, "apart_ms": 86_400_000}
    course = {**old, "reliable": None, "now_below_caseness": False}
    row = {"measure": "phq9", "name": "PHQ-9", "score": 12, "band": "moderate"}
    stored = {"scores": [{**row, "change": old, "since_baseline": course}]}
    [score] = digest_json(stored)["scores"]
    assert score["change"] == {"earlier": 7, "later": 12, "difference": 5, "apart_ms": 86_400_000}
    assert score["since_baseline"] == {
        "earlier": 7, "later": 12, "difference": 5, "apart_ms": 86_400_000,
        "reliable": None, "now_below_caseness": False,
    }  # fmt: skip
    assert stored["scores"][0]["change"] == old  # the stored digest untouched
    [none] = digest_json({"scores": [{**row, "change": None}]})["scores"]
    assert none["change"] is None
    unknown = digest_json({"results": [{**old, "measure": "who5", "band_id": "good"}]})
    assert unknown["results"][0]["band_id"] == "good"  # a measure not known here: as stored


def types_of(value: Any, key: str) -> set[str]:
    """The JSON types of every value named `key` anywhere in `value`, a score's difference
    object included (its number is "difference": fix30c item 3)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == key:
                found.add(type(inner).__name__)
            found |= types_of(inner, key)
    elif isinstance(value, list):
        for inner in value:
            found |= types_of(inner, key)
    return found


async def test_score_change_and_reads_only_have_one_type_in_every_json(
    ana: Device, tom: Device
) -> None:
    """NU67 F5: "score" was a whole total in results and a fraction in `tj search`; "change"
    a score's difference (an object), a mood's (a number) in `tj insights` and a word in `tj
    sync`'s news; "reads_only" a list of members in a safety plan and true/false in a flag.
    Now each has one type everywhere: "score" an int, "change" an object (or null), also
    inside one (its number is "difference", fix30c item 3: it was "change", an int),
    "reads_only" a list (or null); the others are "relevance", "mood_change", "what" and
    "read_only_member"."""
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok(  # a new member: asked
        "share", "Personal", "tom", "--role", "annotate", "--safety-flags", *fingerprint,
        input="y\n",
    )  # fmt: skip
    earlier = TREND_DAYS + 2  # in the period before the insights' trend
    for day, mood in ((earlier + 1, 3), (earlier, 4), (2, 7), (1, 8)):
        when = (date.today() - timedelta(days=day)).isoformat()
        await ana.ok("write", "--mood", str(mood), "--date", when, f"Walked to work {day}")
    await ana.ok("measure", "take", "phq9", "--answers", "1,1,1,1,1,1,1,1,0")
    await ana.ok("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,1,1")
    await ana.ok("share", "Personal", "tom", "--role", "read", "--yes")
    await tom.ok("sync")
    await ana.ok("write", "One more walk.")
    said = {
        "measure list": await ana.json("measure", "list"),
        "caseload": await tom.json("caseload"),
        "briefs": (await ana.json("brief", "tom", "--yes"), await tom.json("briefs")),
        "search": await ana.json("search", "walked"),
        "insights": await ana.json("insights"),
        "sync": await tom.json("sync"),
        "safety plan": await ana.json("safety", "plan"),
        "safety flags": (await tom.json("safety", "flags"))["flags"],
    }
    assert types_of(said, "score") == {"int"}, said
    assert types_of(said, "change") <= {"dict", "NoneType"} and "dict" in types_of(said, "change")
    assert types_of(said, "difference") == {"int"}, said  # the number, in every object
    assert types_of(said, "reads_only") <= {"list", "NoneType"}, said["safety plan"]
    assert said["search"] and all(isinstance(h["relevance"], float) for h in said["search"])
    assert isinstance(said["insights"]["trend"]["mood_change"], float), said["insights"]
    assert {n["what"] for n in said["sync"]["news"]} <= {"new", "updated"}, said["sync"]
    [flag] = said["safety flags"]
    assert flag["read_only_member"] is True  # tom reads only now: he cannot acknowledge it


async def test_a_markdown_export_names_a_band_as_people_are_shown_it(
    ana: Device, tmp_path: Path
) -> None:
    """The export's records are the results' JSON, whose `band` is in lower case: its
    Markdown heading gives `band_label`, "Moderately Severe", never "moderately severe"."""
    await ana.ok("measure", "take", "phq9", "--answers", "2,2,2,2,2,2,2,1,1")
    out = tmp_path / "md"
    await ana.ok("export", "--format", "markdown", "--out", str(out))
    text = "\n".join(p.read_text() for p in out.rglob("*.md"))
    assert "## PHQ-9: 16 (Moderately Severe)" in text, text


async def test_target_is_a_goals_day_in_every_json_and_an_assignments_is_target_id(
    ana: Device, tom: Device, tmp_path: Path
) -> None:
    """fix30c item 4: "target" was a goal's day ("2027-03-01") and an assignment's
    instrument or homework id ("phq9"). Now every "target" is a day or null; an assignment's
    id is "target_id", in `tj assignments`, `tj due`, `tj assign` and an export alike."""
    fingerprint = ("--fingerprint", tom.signup["fingerprint"])
    await ana.ok("share", "Personal", "tom", "--role", "annotate", *fingerprint)
    await ana.ok("goal", "add", "Walk more", "--target", "2027-03-01")
    await tom.ok("sync")
    assigned = await tom.json("assign", "ana/Personal", "measure", "phq9", "--every", "14")
    await ana.ok("sync")
    out = tmp_path / "out"
    path = (await ana.ok("export", "--out", str(out))).stdout.strip()
    exported = json.loads(Path(path).read_text())
    said = {
        "assign": assigned,
        "assignments": await ana.json("assignments"),
        "due": await ana.json("due"),
        "goals": await ana.json("goal", "list"),
        "export": exported,
    }
    days = {v for v in values_of(said, "target") if v is not None}
    assert days == {"2027-03-01"}, said  # a goal's, nothing else
    for rows in (said["assignments"], said["due"], exported["assignments"]):
        assert [row["target_id"] for row in rows] == ["phq9"], rows
    assert assigned["target_id"] == "phq9", assigned


def values_of(value: Any, key: str) -> list[Any]:
    """Every value named `key` anywhere in `value`."""
    found: list[Any] = []
    if isinstance(value, dict):
        for name, inner in value.items():
            if name == key:
                found.append(inner)
            found += values_of(inner, key)
    elif isinstance(value, list):
        for inner in value:
            found += values_of(inner, key)
    return found
