"""A journal name is refused, where it is given, when it holds a control character other than
whitespace, or an invisible format character (Unicode category Cf: a zero-width space, a byte
order mark...; `journals.check_name`): creating, renaming, importing into a new journal, and so
`tj journal create` and `rename`; the error names each character by its code point ("U+001B"). A name signed by
another owner's SDK is never refused on receipt: it is listed, shown escaped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client_sdk.errors import BAD_VALUE, InvalidInput
from client_sdk.journals import check_name
from tests.client.sharing_support import journal_named_by_another_sdk
from tests.conftest import ClientFactory, RunningServer
from tests.test_cli_insights import new_device


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("Notes\x1b]52;c;cm0K\x07", "U+0007, U+001B"),
        ("Dreams\x00", "U+0000"),
        ("del\x7f", "U+007F"),
        ("c1\x9b2J", "U+009B"),
        ("\u202eflipped", "U+202E"),
    ],
)
def test_check_name_refuses_each_control_character_by_its_code_point(name: str, named: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_name(name)
    assert str(refused.value) == f"a journal name cannot contain control characters ({named})"
    assert refused.value.subject == BAD_VALUE


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("Dre\u200bams", "U+200B"),  # zero-width space
        ("\ufeffDreams", "U+FEFF"),  # byte order mark
        ("Dre\u00adams", "U+00AD"),  # soft hyphen
        ("Dre\u180eams", "U+180E"),  # Mongolian vowel separator
        ("Dre\u2060ams", "U+2060"),  # word joiner
        ("Dreams\U000e0041", "U+E0041"),  # a tag character
        ("Dre\u200dams", "U+200D"),  # a zero-width joiner between letters
    ],
)
def test_check_name_refuses_each_invisible_format_character(name: str, named: str) -> None:
    """Unicode category Cf draws nothing: "Dre\u200bams" would list as a second "Dreams"."""
    with pytest.raises(InvalidInput) as refused:
        check_name(name)
    assert (
        str(refused.value) == f"a journal name cannot contain invisible format characters ({named})"
    )
    assert refused.value.subject == BAD_VALUE


def test_check_name_names_controls_and_invisible_characters_apart() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_name("a\x1bb\u200bc")
    assert str(refused.value) == (
        "a journal name cannot contain control characters (U+001B) or invisible format "
        "characters (U+200B)"
    )


def test_check_name_keeps_an_emoji_sequence_joined_by_a_zero_width_joiner() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 Family"
    assert check_name(family) == family
    coder = "\U0001f469\U0001f3fd\u200d\U0001f4bb work"  # with a skin tone modifier
    assert check_name(coder) == coder


async def test_tj_journal_create_refuses_a_name_twin_made_by_a_zero_width_space(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    await ana.ok("journal", "create", "Dreams")
    made = await ana.tj("journal", "create", "Dre\u200bams")
    assert made.exit_code == 2, made.stderr
    assert "cannot contain invisible format characters (U+200B)" in made.stderr, made.stderr
    renamed = await ana.tj("journal", "rename", "Personal", "Dreams\ufeff")
    assert renamed.exit_code == 2, renamed.stderr
    assert "(U+FEFF)" in renamed.stderr, renamed.stderr
    listed = [j["name"] for j in await ana.json("journal", "list")]
    assert sorted(listed) == ["Dreams", "Personal"], listed


def test_check_name_keeps_whitespace_made_one_space() -> None:
    assert check_name("Night\tdreams\n and\x1fmore") == "Night dreams and more"


async def test_create_and_rename_refuse_a_control_character_and_change_nothing(
    signup: ClientFactory,
) -> None:
    ana = await signup("ana")
    before = [j.name for j in await ana.journals.list()]
    with pytest.raises(InvalidInput, match=r"control characters \(U\+001B\)"):
        await ana.journals.create("Notes\x1b[2J")
    with pytest.raises(InvalidInput, match=r"control characters \(U\+0007\)"):
        await ana.journals.rename("Personal", "Personal\x07")
    assert [j.name for j in await ana.journals.list()] == before


async def test_tj_journal_create_and_rename_refuse_it_with_exit_2(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    created = await ana.tj("journal", "create", "Notes\x1b[2J")
    assert created.exit_code == 2, created.stderr
    assert "cannot contain control characters (U+001B)" in created.stderr, created.stderr
    assert "\x1b" not in created.stderr
    renamed = await ana.tj("journal", "rename", "Personal", "Per\x7fsonal")
    assert renamed.exit_code == 2, renamed.stderr
    assert "cannot contain control characters (U+007F)" in renamed.stderr, renamed.stderr
    listed = [j["name"] for j in await ana.json("journal", "list")]
    assert listed == ["Personal"], listed


async def test_a_name_another_owner_signed_with_a_control_character_is_listed_escaped(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """The name is the owner's signed word: a member's device never refuses it (a hostile
    name would then hide a listing), and shows it escaped."""
    mal = await new_device(live_server, tmp_path, "mallory")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await journal_named_by_another_sdk(mal.home, "Notes\x1b[2J")
    await mal.ok("write", "--journal", "Notes\x1b[2J", "hello")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await mal.ok("share", "Notes\x1b[2J", "drkim", "--full", *fingerprint)
    await drkim.ok("sync")
    assert [j["name"] for j in await drkim.json("journal", "list")] == [
        "Personal",
        "mallory/Notes\x1b[2J",
    ]
    shown = await drkim.ok("journal", "list")
    assert "\x1b" not in shown.stdout, repr(shown.stdout)
    assert "mallory/Notes\\x1" in shown.stdout, shown.stdout  # the table may fold the rest


async def test_an_import_refuses_a_journal_name_create_refuses_before_writing_anything(
    signup: ClientFactory,
) -> None:
    """A file (written by another app, or by this one before names were checked) naming a
    journal with a control character is refused whole, with the name and the character, before
    any journal is made: the file's other journal is not half imported."""
    eve, ana = await signup("eve"), await signup("ana")
    await eve.journals.create("Dreams")
    await eve.entries.write("Dreams", "Flying again.")
    handed = json.loads(json.dumps(await eve.archive.export_json()))
    handed["journals"].append({**handed["journals"][-1], "id": "ab" * 16, "name": "Bad\x1b[2J"})
    with pytest.raises(InvalidInput, match=r"control characters \(U\+001B\)") as refused:
        await ana.archive.import_json(handed)
    assert "$'Bad\\x1b[2J'" in str(refused.value), str(refused.value)
    assert [j.name for j in await ana.journals.list()] == ["Personal"]
    assert await ana.entries.list() == []


async def test_a_name_another_owner_signed_with_a_zero_width_space_is_listed_escaped(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Never refused on receipt (the owner's signed word), but `tj journal list` shows the
    character that draws nothing escaped: the row does not read as another "Notes"."""
    mal = await new_device(live_server, tmp_path, "mallory")
    drkim = await new_device(live_server, tmp_path, "drkim")
    await journal_named_by_another_sdk(mal.home, "No\u200btes")
    fingerprint = ("--fingerprint", drkim.signup["fingerprint"])
    await mal.ok("share", "No\u200btes", "drkim", "--full", *fingerprint)
    await drkim.ok("sync")
    names = [j["name"] for j in await drkim.json("journal", "list")]
    assert names == ["Personal", "mallory/No\u200btes"], names
    shown = await drkim.ok("journal", "list")
    assert "\u200b" not in shown.stdout, repr(shown.stdout)
    assert "$'mallory/No\\u200btes'" in shown.stdout, shown.stdout


@pytest.mark.parametrize(
    "name",
    [
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: a non-joiner
        "\u0915\u094d\u200d\u0937",  # Devanagari: a joiner in a half-form conjunct
    ],
)
def test_check_name_keeps_the_joiners_a_script_spells_with(name: str) -> None:
    """A zero-width non-joiner or joiner between two letters of a script that spells with
    them (Persian, Indic) is part of the word, not an invisible look-alike: kept."""
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["Dre\u200cams", "\u0395\u200c\u03bb"])
def test_check_name_refuses_a_non_joiner_between_letters_of_an_alphabet(name: str) -> None:
    """Between Latin, Greek or Cyrillic letters a non-joiner only makes a look-alike."""
    with pytest.raises(InvalidInput, match="U\\+200C"):
        check_name(name)


@pytest.mark.parametrize(
    ("name", "named"),
    [("Dre\ue000ams", "U+E000"), ("Dreams\U000f0001", "U+F0001"), ("\U00100000x", "U+100000")],
)
def test_check_name_refuses_a_private_use_character(name: str, named: str) -> None:
    """Unicode category Co means nothing outside one program or font: a box, or nothing."""
    with pytest.raises(InvalidInput) as refused:
        check_name(name)
    assert str(refused.value) == f"a journal name cannot contain private-use characters ({named})"
    assert refused.value.subject == BAD_VALUE


PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # a non-joiner the name keeps


async def test_tj_journal_create_refuses_private_use_and_shows_a_kept_joiner_as_it_is(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    made = await ana.tj("journal", "create", "Dre\ue000ams")
    assert made.exit_code == 2, made.stderr
    assert "cannot contain private-use characters (U+E000)" in made.stderr, made.stderr
    assert "Dre\ue000ams" not in {j["name"] for j in await ana.json("journal", "list")}

    created = await ana.ok("journal", "create", f"{PERSIAN} 2")
    assert f"'{PERSIAN} 2'" in created.stderr + created.stdout, created.output
    assert "\\u200c" not in created.output, created.output
    taken = await ana.tj("journal", "create", f"{PERSIAN} 2")  # the name, quoted in the error
    assert taken.exit_code != 0 and f"'{PERSIAN} 2'" in taken.stderr, taken.output
    assert "\\u200c" not in taken.stderr, taken.stderr
