"""Where a profile lives by default, and the words that start a `tj` command printed for
one: the one rule for when a printed command carries `--home`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

APP_NAME = "therapy-journal"


def default_home() -> Path:
    """$XDG_DATA_HOME/therapy-journal, else ~/.local/share/therapy-journal (the OS's app
    directory on macOS and Windows)."""
    if os.environ.get("XDG_DATA_HOME"):
        return Path(os.environ["XDG_DATA_HOME"]) / APP_NAME
    if sys.platform in ("darwin", "win32"):
        return Path(click.get_app_dir(APP_NAME))
    return Path.home() / ".local" / "share" / APP_NAME


def profile_words(home: Path) -> list[str]:
    """The words that start a `tj` command printed for the profile at `home` (in a hint, an
    error's advice, the Ctrl-C line, a kept draft's command): "tj", and "--home PATH" unless
    `home` is the default profile (whether given by --home or $TJ_HOME), so that every
    command the CLI prints runs against this profile when pasted, in this shell or another,
    from any directory: PATH is absolute (a relative --home is made so from the working
    directory)."""
    if home.resolve() == default_home().resolve():
        return ["tj"]
    return ["tj", "--home", str(home.absolute())]
