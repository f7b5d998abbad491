"""NU27 C8: an app finds how to show a questionnaire's form where it looks (the README's SDK
section, the measures module's docstring, `client.measures`), and the snippet shown runs."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from types import SimpleNamespace

import client_sdk.measures
from client_sdk.measures import Measures

ROOT = Path(__file__).resolve().parents[2]


def form_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index('```python\nform = client.measures.instrument("phq9")')
    block = text[start + len("```python\n") :]
    return block[: block.index("\n```\n")]


def test_the_readme_form_snippet_prints_every_item_with_its_options() -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(form_snippet(), {"client": SimpleNamespace(measures=Measures)})
    lines = printed.getvalue().splitlines()
    form = Measures.instrument("PHQ-9")
    assert lines[0] == form.title
    assert form.stem in lines
    numbered = [line for line in lines if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert len(numbered) == 9 == len(form.items)
    assert all("0 Not at all" in line and "3 Nearly every day" in line for line in numbered)
    assert lines[-1] == form.attribution
    assert [i.id for i in Measures.instruments()] == ["phq9", "gad7", "pcl5"]


def test_the_measures_module_says_where_the_form_is() -> None:
    doc = client_sdk.measures.__doc__ or ""
    assert "client.measures.instrument(" in doc and "client.measures.instruments()" in doc
    assert "options" in doc and "safety_items" in doc
