"""README's promise that "a parameter that sets a field is named after that field of the model
returned" named `goals.checkin(at=)` `CheckIn.at`, while `goals.checkin` returns the `Goal`
(an app following README hit AttributeError); and `Entry.to_dict()` named the journal only by
its name, which `journals.rename` changes (NU66 F2)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from client_sdk import Client
from tests.conftest import ClientFactory
from tests.test_sdk_api import EXPORTED, hints_of, managers

README = " ".join((Path(__file__).parent.parent / "README.md").read_text().split())
PAIR = re.compile(r"`(\w+)\.(\w+)\((\w+)=\)`(?: and `\w+\.\w+\(\w+=\)`)?(?: sets)? `(\w+)\.(\w+)`")


def test_each_parameter_readme_names_sets_that_field_of_the_model_it_says() -> None:
    start = README.index("A parameter that sets a field is named after")
    said = README[start : README.index("bound what a `list` returns", start)]
    pairs = list(PAIR.finditer(said))
    assert len(pairs) >= 5, said
    found = managers()
    for n, pair in enumerate(pairs):
        manager, method, parameter, model, field = pair.groups()
        function = getattr(found[manager], method)
        assert parameter in inspect.signature(function).parameters, pair.group(0)
        cls = EXPORTED[model]
        assert field in {f for f in getattr(cls, "__dataclass_fields__", {})}, pair.group(0)
        returned = hints_of(function)["return"]
        if returned is not cls:  # README must say what it returns instead
            end = pairs[n + 1].start() if n + 1 < len(pairs) else len(said)
            assert f"returns the `{returned.__name__}`" in said[pair.end() : end], pair.group(0)


async def test_an_entry_dict_names_its_journal_by_id_too(signup: ClientFactory) -> None:
    ana: Client = await signup("ana")
    await ana.journals.create("Work")
    entry = await ana.entries.write("Work", "Standup.")
    before = entry.to_dict()
    assert before["journal_id"] == entry.journal_id and before["journal"] == "Work"
    await ana.journals.rename("Work", "Job")
    after = (await ana.entries.get(entry.id)).to_dict()
    assert (after["journal"], after["journal_id"]) == ("Job", before["journal_id"])
