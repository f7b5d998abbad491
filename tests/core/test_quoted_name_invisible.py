"""`models.quoted_name` writes invisible and line-breaking characters as escapes the shell
reads back (a read-back of NU51 F8): a zero-width space, a soft hyphen, a word joiner or a
line separator showed as nothing or as a break, and a C1 control or U+00AD was written
`\\xNN`, which a shell reads as one byte, not that character. The zero-width joiner of an
emoji sequence is kept as it is."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from client_sdk.models import quoted_name

NAMES = ["a\u200bb", "\u2028ls", "soft\u00adhy", "wj\u2060x", "c1\x85x", "bom\ufeffx", "tab\tx"]


@pytest.mark.parametrize("name", NAMES)
def test_an_invisible_character_is_an_escape_the_shell_reads_back(name: str) -> None:
    quoted = quoted_name(name)
    assert quoted.startswith("$'") and all(c.isprintable() and c != "\u00ad" for c in quoted)
    bash = shutil.which("bash")
    assert bash is not None
    read = subprocess.run(
        [bash, "-c", f"printf %s {quoted}"],
        capture_output=True,
        check=True,
        env={"LANG": "C.UTF-8"},
    ).stdout.decode("utf-8")
    assert read == name


def test_an_emoji_sequence_keeps_its_joiner() -> None:
    assert quoted_name("👨\u200d👩") == "'👨\u200d👩'"


def test_a_joiner_the_name_rule_keeps_is_shown_as_it_is_and_one_it_refuses_escaped() -> None:
    """Which joiners a quoted name shows as they are is the journal name rule's
    (`models.invisible_at`): between letters of a script that spells with them (a Persian
    non-joiner, a Devanagari joiner), and in an emoji sequence; between Latin letters, or at
    a name's edge, either only makes a look-alike and is written as an escape."""
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert quoted_name(persian) == f"'{persian}'"
    assert quoted_name("\u0915\u094d\u200d\u0937") == "'\u0915\u094d\u200d\u0937'"
    assert quoted_name("Dre\u200dams") == "$'Dre\\u200dams'"
    assert quoted_name("Dre\u200cams") == "$'Dre\\u200cams'"
    assert quoted_name("\u200c" + persian) == f"$'\\u200c{persian}'"


def test_a_kept_joiner_leaves_a_name_pasteable_in_a_command() -> None:
    from cli.terminal import pasteable

    assert pasteable("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")
    assert pasteable("\U0001f468\u200d\U0001f469")
    assert not pasteable("Dre\u200cams") and not pasteable("Dre\u200dams")
