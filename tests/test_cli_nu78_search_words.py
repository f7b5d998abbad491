"""NU78 F6: README's `tj search self-care -well-being` exited 2 ("Got unexpected extra argument
(-well-being)"): `tj search` took one argument, so unquoted words were refused. It takes the
words as README prints them: several arguments are one search, joined with spaces, and a
leading "-" word leaves out entries. Every `tj search` line of README runs here as printed.
Real server on loopback."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from tests.test_cli import Device
from tests.test_cli_journal_features import ana  # noqa: F401  (fixture)

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_search_lines() -> list[list[str]]:
    """The arguments of every `tj search` line in README's sh blocks, its comment cut off."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        for line in block.splitlines():
            if line.startswith("tj search "):
                words = shlex.split(line, comments=True)
                lines.append(words[2:])
            # a search given in a comment runs as printed too (nu79 F2: `tj search --
            # --limit` was refused)
            for quoted in re.findall(r"#.*?\btj search (-- [^)\s]+)", line):
                lines.append(shlex.split(quoted))
    return lines


async def test_every_search_line_of_readme_runs_as_printed(ana: Device) -> None:  # noqa: F811
    await ana.ok("write", "--tag", "self-care", "A bath and a book.")
    await ana.ok("write", "--tag", "self-care", "--tag", "well-being", "A walk, for well-being.")
    await ana.ok("write", "Felt calm in Zürich; work box packed.")
    await ana.ok("write", "I always forget the --limit option.")
    lines = readme_search_lines()
    assert ["self-care", "-well-being"] in lines and len(lines) >= 6, lines
    assert ["--", "--limit"] in lines, lines
    for words in lines:
        found = await ana.tj("search", *words)
        assert found.exit_code == 0, (words, found.output)
    limited = (await ana.ok("search", "--", "--limit")).stdout
    assert "forget the --limit option" in limited and "A walk" not in limited, limited
    cared = await ana.json("search", "self-care", "-well-being")
    assert [hit["entry"]["body"] for hit in cared] == ["A bath and a book."], cared


async def test_several_words_are_one_search_as_one_quoted_argument(
    ana: Device,  # noqa: F811
) -> None:
    await ana.ok("write", "Felt calm after the walk.")
    await ana.ok("write", "Felt calm at work, then a walk.")
    await ana.ok("write", "A walk in the rain.")
    apart = await ana.json("search", "felt", "calm", "walk", "-work")
    together = await ana.json("search", "felt calm walk -work")
    assert [hit["entry"]["body"] for hit in apart] == ["Felt calm after the walk."], apart
    assert apart == together
    only_left_out = await ana.tj("search", "-work", "-rain")
    assert only_left_out.exit_code == 2 and "leave out" in only_left_out.output, only_left_out
    helped = (await ana.ok("search", "--help")).stdout
    assert "search [OPTIONS] WORDS..." in helped, helped


async def test_search_json_says_on_stderr_how_many_matched_beyond_the_limit(
    ana: Device,  # noqa: F811
) -> None:
    """nu79 F7: `tj search qq --json` printed the best N and nothing said that more matched:
    the text's "Showing the best 2 of 3 matches" line comes on stderr under --json too, its
    command with --json; stdout stays the list of hits."""
    for n in (1, 2, 3):
        await ana.ok("write", f"qq note {n}")
    cut = await ana.ok("search", "qq", "--limit", "2", "--json")
    assert len(json.loads(cut.raw_stdout)) == 2, cut.raw_stdout
    said = " ".join(cut.stderr.split())
    assert "Showing the best 2 of 3 matches:" in said, cut.stderr
    assert "search qq --limit 3 --json` shows every one." in said, cut.stderr
    whole = await ana.ok("search", "qq", "--limit", "3", "--json")
    assert len(json.loads(whole.raw_stdout)) == 3 and "Showing" not in whole.stderr
