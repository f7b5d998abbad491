"""REV-CLIN F4: wherever the person sees the PCL-5 band "(probable PTSD)", it says that this
is a screening result, not a diagnosis (National Center for PTSD: "The PCL-5 should not be
used as a stand-alone diagnostic tool"): `tj measure take` and `show`, `tj measure list`,
and the HTML report's chart. A score below the cut-point says nothing more. CliRunner
against a real server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from client_sdk.results import MeasureResult
from client_sdk.score_charts import measure_chart
from client_sdk.scoring import instrument
from tests.conftest import RunningServer
from tests.test_cli_insights import new_device

NOTE = "a screening result, not a diagnosis"
LIST_NOTE = (
    "PCL-5 at or above the provisional cut-point (probable PTSD): a screening result, not a "
    "diagnosis."
)


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_probable_ptsd_is_said_with_a_screening_note_and_a_lower_score_without(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    low = await ana.ok("measure", "take", "pcl5", "--answers", ",".join(["1"] * 20))
    assert "score: 20 of 80 (below the provisional cut-point) change:" in flat(low.stdout)
    assert NOTE not in low.output
    listed = await ana.ok("measure", "list")
    assert NOTE not in listed.output

    high = await ana.ok("measure", "take", "pcl5", "--answers", ",".join(["2"] * 20))
    assert (
        "score: 40 of 80 (at or above the provisional cut-point (probable PTSD)); a screening "
        "result, not a diagnosis change:"
    ) in flat(high.stdout)
    [latest, _] = await ana.json("measure", "list")
    shown = await ana.ok("measure", "show", latest["id"][:8])
    assert "(probable PTSD)); a screening result, not a diagnosis" in flat(shown.stdout)
    listed = await ana.ok("measure", "list")
    assert flat(listed.stderr).count(LIST_NOTE) == 1, listed.stderr  # once, for any number


def test_the_pcl5_chart_says_the_band_is_a_screening_result() -> None:
    def pcl5(score: int) -> MeasureResult:
        return MeasureResult(
            "r", "P", "00", "pcl5", "PCL-5", 1, score, instrument("pcl5").band(score),
            datetime(2026, 12, 1, tzinfo=UTC), None, None, False,
        )  # fmt: skip

    chart = measure_chart(instrument("pcl5"), [pcl5(20)])
    assert f'<p class="note">{LIST_NOTE}</p>' in chart
    phq9 = MeasureResult(
        "p", "P", "00", "phq9", "PHQ-9", 1, 20, "Severe", datetime(2026, 12, 1, tzinfo=UTC),
        None, None, False,
    )  # fmt: skip
    assert 'class="note"' not in measure_chart(instrument("phq9"), [phq9])
