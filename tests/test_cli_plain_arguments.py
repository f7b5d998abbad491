"""What `tj` makes plain of its arguments (a byte order mark, CRLF: `"$(cat name.txt)"` from
a Windows file), and what it takes exactly as given.

- Texts (an entry's, a title, a name, `--journal`) are made plain once the command line is
  read: a Notepad bullet list (a byte order mark, then "- milk") is the entry's text, never
  read as an option.
- Paths are never rewritten: a file name that ends in a CR is that file's name, not
  another's (`tj report --html`, `tj export --out`, `tj --home`).

Real `tj` against a real loopback server."""

from __future__ import annotations

import os
from pathlib import Path

from cli.main import plain_word
from tests.test_cli import Device, laptop, run_tj, succeeded  # noqa: F401 (fixtures)


async def test_a_bom_led_text_that_starts_with_a_dash_is_saved_as_the_entry(
    laptop: Device,  # noqa: F811
) -> None:
    """`tj write "$(printf '\\ufeff- milk\\r\\n- eggs')"`, and the same list from a file that
    ends with CRLF (the shell drops the LF, not the CR)."""
    for given in ("\ufeff- milk\r\n- eggs", "\ufeff- milk\r\n- eggs\r"):
        written = await laptop.tj("write", given)
        assert written.exit_code == 0, written.output
        shown = await laptop.json("show", written.stdout.strip())
        assert shown["body"] == "- milk\n- eggs", shown
    titled = await laptop.ok("write", "--title", "\ufeff--yes\r", "body")
    shown = await laptop.json("show", titled.stdout.strip())
    assert (shown["title"], shown["body"]) == ("--yes", "body"), shown


async def test_a_report_to_a_file_name_ending_in_a_cr_writes_that_file(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`keep.html` is another file than `keep.html\\r`: it is left as it was."""
    await laptop.ok("write", "one")
    kept = tmp_path / "keep.html"
    kept.write_text("precious")
    asked = tmp_path / "keep.html\r"
    await laptop.ok("report", "--html", str(asked))
    assert kept.read_text() == "precious", "tj wrote keep.html, a file it was never named"
    assert "<html" in asked.read_text().lower()


async def test_an_export_folder_and_a_home_ending_in_a_cr_are_taken_as_given(
    laptop: Device,  # noqa: F811
    tmp_path: Path,
) -> None:
    await laptop.ok("write", "one")
    out = tmp_path / "export\r"
    await laptop.ok("export", "--out", str(out))
    assert out.is_dir() and os.listdir(out), "the export went elsewhere"
    assert not (tmp_path / "export").exists()

    other = Path(f"{laptop.home}\r")  # another home: no profile there
    listed = await run_tj(["--home", str(other), "list"])
    assert listed.exit_code != 0 and "one" not in listed.stdout, listed.output


def test_plain_word_makes_a_text_plain_by_its_kind() -> None:
    assert plain_word("\ufeffDreams\r") == "Dreams"
    assert plain_word("Dreams") == "Dreams"
    assert plain_word("\ufeff\r\nNight\r\n", "line") == "Night"
    assert plain_word("\ufeffone\r\ntwo\r", "text") == "one\ntwo"
