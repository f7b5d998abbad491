"""Writing an entry in $EDITOR, as `git commit` does.

The editor ($VISUAL, else $EDITOR, else a system default) opens a temporary file holding a
short guide in comment lines. Lines starting with '#' are dropped when the editor closes; if
nothing else is left, the entry is abandoned and nothing is saved.
"""

from __future__ import annotations

import sys
import textwrap

import click

from client_sdk import Prompt

GUIDE = """\

# Write your entry above this line. Lines starting with '#' are left out.
# Save and close the editor to keep it; an empty entry is not saved.
"""


REVISE_GUIDE = """\

# Change the entry above this line. Lines starting with '#' are left out.
# Save and close the editor to keep the change; an empty text changes nothing.
"""


def stdin_is_terminal() -> bool:
    """Whether `tj write` without TEXT should open the editor rather than read stdin."""
    return sys.stdin.isatty()


def template(prompt: Prompt | None, text: str = "") -> str:
    """The file the editor opens: the text so far, the guide, and the prompt answered."""
    start = f"{text}\n" + GUIDE
    if prompt is None:
        return start
    source = f" from {prompt.author}" if prompt.from_therapist else ""
    wrapped = textwrap.wrap(prompt.text, width=76)
    lines = [f"# Prompt {prompt.id}{source}:", *(f"#   {line}" for line in wrapped)]
    return start + "#\n" + "\n".join(lines) + "\n"


def strip_comments(text: str) -> str:
    """The text without its comment lines and surrounding blank lines."""
    kept = [line.rstrip() for line in text.splitlines() if not line.startswith("#")]
    return "\n".join(kept).strip("\n")


def revise(text: str) -> str:
    """Open the editor on an entry's current text and return the new text; an empty result
    aborts (exit status 1) and changes nothing."""
    edited = click.edit(text + "\n" + REVISE_GUIDE, extension=".md", require_save=False)
    body = strip_comments(edited or "")
    if not body.strip():
        raise click.ClickException("aborting: the text is empty, the entry was not changed")
    return body


def compose(prompt: Prompt | None = None, text: str = "") -> str:
    """Open the editor on `text` and return what was written; an empty result aborts (exit
    status 1)."""
    edited = click.edit(template(prompt, text), extension=".md", require_save=False)
    body = strip_comments(edited or "")
    if not body.strip():
        raise click.ClickException("aborting: the entry is empty, nothing was saved")
    return body
