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
