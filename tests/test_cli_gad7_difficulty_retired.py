"""REV-CLIN F2: the GAD-7 difficulty question is not on the official form its items come from
('English for the USA'): since gad7.json version 3 it is neither asked nor accepted. A result
of an earlier version that holds an answer to it still opens, shows the question (saying
where it came from), exports and imports. CliRunner against a real server on loopback."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from client_sdk import Client, keys
from client_sdk.documents import Document
from client_sdk.results import MEASURE
from client_sdk.scoring import instrument
from tests.conftest import RunningServer
from tests.table_cells import column
from tests.test_cli import failed_with_one_line
from tests.test_cli_insights import new_device

GAD7_DIFFICULTY = (
    "If you checked any problems, how difficult have they made it for you to do your work, "
    "take care of things at home, or get along with other people?"
)


async def test_gad7_asks_no_difficulty_question_and_refuses_one(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    asked = await ana.ok("measure", "take", "gad7", input="1\n1\n1\n1\n1\n0\n0\n")
    assert "score:   5 of 21 (Mild)" in asked.stdout
    assert "how difficult" not in asked.stderr + asked.stdout
    refused = await ana.tj(
        "measure", "take", "gad7", "--answers", "1,1,1,1,1,0,0", "--difficulty", "1"
    )
    assert failed_with_one_line(refused, 1) == (
        "Error: GAD-7 has no unscored question: its form asks only its 7 items"
    )
    [taken] = await ana.json("measure", "list")
    assert (taken["score"], taken["unscored"], taken["version"]) == (5, None, 3)
    gad7 = instrument("gad7")
    assert gad7.unscored is None and gad7.retired_unscored is not None
    assert gad7.retired_unscored.question.text == GAD7_DIFFICULTY


async def test_an_older_gad7_result_with_a_difficulty_answer_still_reads_shows_and_exports(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    client = await Client.open(ana.home)
    try:  # a GAD-7 taken with version 2 of the definition, which asked the question
        local = await client.context.local_journal("Personal")
        document = Document(keys.new_doc_id(client.profile.account_id), MEASURE)
        at = int((datetime.now(UTC) - timedelta(days=20)).timestamp() * 1000)
        fields = {"measure": "gad7", "version": 2, "score": 5, "band": "mild", "taken_at": at,
                  "answers": [1, 1, 1, 1, 1, 0, 0], "unscored": 2, "created_at": at,
                  "updated_at": at, "deleted": False}  # fmt: skip
        await client.replica.commit(local, document, document.change(fields=fields))
        await client.sync()
    finally:
        await client.close()

    [listed] = await ana.json("measure", "list")
    assert (listed["score"], listed["unscored"], listed["version"]) == (5, 2, 2)
    shown = (await ana.ok("measure", "show", listed["id"][:8], env={"COLUMNS": "400"})).stdout
    table = shown[shown.index("item ") :]  # the answers table, its header line first
    assert column(table, "question", key="answer")[-1] == GAD7_DIFFICULTY
    assert column(table, "answer", key="answer")[-1] == (
        "2 Very difficult (not scored; asked by this app's GAD-7 until version 2; from the "
        "1999 PRIME-MD GAD-7 form (Pfizer), not the current one)"
    )

    path = Path((await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip())
    [exported] = json.loads(path.read_text())["results"]
    assert (exported["measure"], exported["unscored"], exported["version"]) == ("gad7", 2, 2)

    bob = await new_device(live_server, tmp_path, "bob")
    await bob.ok("import", str(path))
    [imported] = await bob.json("measure", "list")
    assert (imported["answers"], imported["unscored"], imported["version"]) == (
        [1, 1, 1, 1, 1, 0, 0], 2, 2,
    )  # fmt: skip
