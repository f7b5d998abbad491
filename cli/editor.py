"""Writing an entry in $EDITOR, as `git commit` does.

The editor ($VISUAL, else $EDITOR, else a system default) opens a draft file holding a
short guide below a scissors line (CUT). Everything from that line down is dropped when the
editor closes, and everything above it is the entry, verbatim ('#' headings included); if
nothing is left, the entry is abandoned and nothing is saved. A text that already holds the
scissors line as a line of its own is never put in the editor (`holds_cut`: what follows it
would be dropped, NU37 #1), and a file written back as `tj` wrote it changes nothing.

The draft lives in the profile's own `drafts/` folder (mode 0700; the file 0600), never in
/tmp: it holds the entry in plain text. It is deleted only once the entry is saved, so an
editor that fails (vim's `:cq`, a crash) or a `tj` that is killed loses nothing: the error
names the draft, and the next `tj write` or `tj edit` mentions drafts left behind. A draft
holding nothing written (only what `tj` put there, or nothing above the scissors line) is not
kept, and one left empty is never mentioned (NU21 C8).
`tj write --draft FILE` (a new entry's draft) or `tj edit ID --draft FILE` (an edit's) saves a
draft left behind, as the editor would have, and deletes it once saved; a draft of the
profile that holds no text is deleted, and the command says so.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from cli.terminal import Failed, command, command_text, shown
from client_sdk.models import MAX_BODY, decoded_text, plain_text

if TYPE_CHECKING:
    from client_sdk import Prompt


CUT = "# ------------------------ >8 ------------------------"
"""Everything from this line down is left out (as git's scissors line): lines above it are
the entry, verbatim, '#' headings and hashtags included."""

GUIDE = f"""\

{CUT}
# Write your entry above this line; from it down, nothing is kept.
# Save and close the editor to keep it; an empty entry is not saved.
"""


REVISE_GUIDE = f"""\

{CUT}
# Change the entry above this line; from it down, nothing is kept.
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


def holds_cut(text: str) -> bool:
    """Whether `text` holds the scissors line (CUT) as a line of its own, as an entry's text
    may (piped in, imported, saved with --body): such a text cannot go through the editor,
    which keeps only what is above the first scissors line (NU37 #1: `tj edit` lost what
    followed it, even when the editor changed nothing)."""
    return CUT in plain_text(text).split("\n")


def cut_refusal(what: str, instead: str) -> click.ClickException:
    """The one-line refusal to open the editor on a text that `holds_cut`: `what` names the
    text ("entry 3fa9c2a1b0d4's text"), `instead` what to use ("`tj edit ID --body TEXT` or
    `--append TEXT`, which keep it as given")."""
    return Failed(
        f"{what} holds the scissors line ({CUT}) on a line of its own: the editor keeps only "
        f"what is above it, so it is not opened; use {instead}",
        "editor",
    )


def strip_comments(text: str) -> str:
    """The text above the scissors line (CUT; all of it if the line was removed), verbatim,
    without the blank lines around it, made plain (`plain_text`: a leading byte order mark
    removed, CRLF and lone CR read as a line break, as a Windows editor saves them: NU33 #1)."""
    lines = plain_text(text).split("\n")
    if CUT in lines:
        lines = lines[: lines.index(CUT)]
    return "\n".join(lines).strip("\n")


def drafts_folder(home: Path) -> Path:
    return home / "drafts"


DRAFTS_PLACEHOLDER = "DRAFTS/"
"""Written in a command's help where its example names a draft; shown as the drafts folder of
the profile this `tj` uses (`DraftHelpCommand`)."""


ANSWERS_SUFFIX = ".answers.json"
"""The end of the name of a draft holding a questionnaire's answers that a failed save of
`tj measure take` kept (`cli.measures.keep_answers`): not an entry's draft, never offered to
`tj write --draft`, but a draft never saved all the same when the drafts folder goes."""


def drafts_kept(home: Path) -> list[Path]:
    """The draft files in the profile's drafts folder (`drafts_folder`), any left there: an
    entry's ("*.md") and a questionnaire's answers (ANSWERS_SUFFIX)."""
    folder = drafts_folder(home)
    if not folder.is_dir():
        return []
    return sorted([*folder.glob("*.md"), *folder.glob(f"*{ANSWERS_SUFFIX}")])


def saved_by(home: Path, tj: Sequence[str] = ("tj",)) -> str:
    """The commands that save the drafts kept (`drafts_kept`), for a message that is about
    to delete them: each draft's own, its path in it: the command written in it
    (`saved_with`: the journal and options it was written for, so that no draft written for
    a private journal is saved into the default one a therapist reads), else
    "`tj write --draft PATH`" (`tj`: the words that start a command for this profile), and
    "`tj measure take phq9 --draft PATH`" for a questionnaire's answers (which name their
    journal themselves). At most SAVED_BY_SHOWN are named; the rest are counted."""
    commands = [_saves_draft(path, tj) for path in drafts_kept(home)]
    shown_now = commands[:SAVED_BY_SHOWN]
    left = len(commands) - len(shown_now)
    if left:
        shown_now.append(
            f"{left} more, each with the command its last line names "
            f"(in {shown_drafts_folder(home)})"
        )
    if len(shown_now) <= 1:
        return "".join(shown_now)
    return ", ".join(shown_now[:-1]) + " and " + shown_now[-1]


MEASURE_WORD = re.compile(r"[A-Za-z0-9_-]{1,40}")
"""A questionnaire's id as a kept answers draft names it, put in a command as it is."""

SAVED_BY_SHOWN = 5
"""How many drafts' commands `saved_by` names; the rest are counted."""


def _saves_draft(path: Path, tj: Sequence[str]) -> str:
    """The command span that saves the draft at `path` (`saved_by`)."""
    if path.name.endswith(ANSWERS_SUFFIX):
        measure = "MEASURE"
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
            named = json.loads(path.read_text(encoding="utf-8"))["measure"]
            if isinstance(named, str) and MEASURE_WORD.fullmatch(named):
                measure = named
        return command([*tj, "measure", "take", measure, "--draft", str(path)])
    kept = saved_with(path)
    saves = (
        command_text(kept) if kept is not None else command([*tj, "write", "--draft", str(path)])
    )
    if names_no_journal(path):  # the journal to name: checked when saved (fix30e item 1)
        saves = command(unnamed_command(path, tj, "NAME"))
    # longer than an entry holds, it is refused again as it is (NU74 F4)
    return f"{_shorten_first()}, then {saves}" if _too_long(path) else saves


def _too_long(path: Path) -> bool:
    """Whether the entry draft at `path` holds more text above its scissors line than an
    entry holds (MAX_BODY characters): saved as it is, it would be refused again. False for
    one that cannot be read."""
    try:
        return len(strip_comments(path.read_text(encoding="utf-8"))) > MAX_BODY
    except (OSError, UnicodeDecodeError):
        return False


def _shorten_first() -> str:
    """What a draft longer than an entry holds needs before its command saves it."""
    return f"shorten it to {MAX_BODY:,} characters"


OPEN_MARK = ".open"
"""The end of the name of the file a `tj write` or `tj edit` holds locked beside its draft
("entry-k2j4.md.open") while its editor is open and until the entry is saved (`editing`):
`tj logout` and `tj account delete` refuse while one is held (`open_drafts`), and never
delete that draft (NU56 #4: they deleted it under a running editor, whose `tj write` then
said the words were kept in a file that no longer existed)."""


def _locked(file: IO[bytes], wait: bool) -> bool:
    """Take an exclusive lock on `file` (flock: released when its holder's process ends, so
    a `tj` killed leaves none); without `wait`, whether it could be had now. Where flock
    does not exist, the mark's file alone counts as held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (not POSIX)
        return wait
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


GATE = ".editors.lock"
"""The file in the drafts folder that `tj logout` and `tj account delete` hold locked
exclusively from their last check for an open editor until the device's data is deleted
(`closed_to_editors`), and that a `tj write` or `tj edit` holds shared while it makes its
draft and marks it open (`_gate`): no editor opens between that check and the deletion (NU57
#1: one opened while their question waited was not seen, and its draft was deleted)."""


@contextlib.contextmanager
def _gate(folder: Path, exclusive: bool) -> Iterator[None]:
    """Hold the drafts folder's GATE locked (shared or `exclusive`) for the block, waiting
    for it. A gate deleted while this waited (its folder went with a logout) is opened again
    where it is now, so the lock held is always on the file the folder holds."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover (not POSIX)
        yield
        return
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except FileExistsError:  # there when made, gone when looked at: a logout's deletion
            if os.path.lexists(folder) and not folder.is_dir():
                raise  # a file (or a broken link) where the folder goes: never waited out
            continue
        gate = folder / GATE
        try:
            descriptor = os.open(gate, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:  # its folder deleted meanwhile: made again above
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                same = os.stat(gate).st_ino == os.fstat(descriptor).st_ino
            except FileNotFoundError:
                same = False
            if same:
                try:
                    yield
                finally:
                    _leave_no_gate(gate, descriptor, fcntl)
                return
        finally:
            os.close(descriptor)


def _leave_no_gate(gate: Path, descriptor: int, fcntl: Any) -> None:
    """Delete the GATE at `gate` (held through `descriptor`) when no other `tj` holds or
    waits on it: only under its exclusive lock, so a waiter finds it gone and opens it anew
    (`_gate`). The drafts folder then holds only drafts and their marks."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another holds it: the last one out deletes it
        return
    with contextlib.suppress(OSError):
        if os.stat(gate).st_ino == os.fstat(descriptor).st_ino:
            gate.unlink()


@contextlib.contextmanager
def closed_to_editors(home: Path, again: str) -> Iterator[None]:
    """For the block (the deletion of this device's data by `tj logout` or `tj account
    delete`, `again`: its command), no `tj write` or `tj edit` of the profile at `home` opens
    its editor: they wait, and then find the device signed out (`drafted`). Refuses first,
    as `refuse_open_drafts`, when one has its editor open now, checked under the same lock.
    Raises click.ClickException; nothing was done then."""
    with _gate(drafts_folder(home), exclusive=True):
        refuse_open_drafts(home, again)
        yield


@contextlib.contextmanager
def editing(path: Path) -> Iterator[None]:
    """Mark the draft at `path` as open in an editor (OPEN_MARK) for the block: a lock held
    on a file beside it, removed after."""
    mark = path.with_name(path.name + OPEN_MARK)
    with open(mark, "wb") as file:
        _locked(file, wait=True)
        try:
            yield
        finally:
            mark.unlink(missing_ok=True)


def open_drafts(home: Path) -> list[Path]:
    """The drafts of the profile at `home` that a running `tj write` or `tj edit` holds open
    in its editor (`editing`); a mark left by a `tj` that was killed is not counted."""
    folder = drafts_folder(home)
    held = []
    for mark in sorted(folder.glob(f"*.md{OPEN_MARK}")) if folder.is_dir() else []:
        try:
            with open(mark, "rb") as file:
                if not _locked(file, wait=False):
                    held.append(mark.with_name(mark.name[: -len(OPEN_MARK)]))
        except FileNotFoundError:  # its editor closed meanwhile
            continue
    return held


def refuse_open_drafts(home: Path, again: str) -> None:
    """Refuse `tj logout` or `tj account delete` (`again`: its command, to run once done)
    while a `tj write` or `tj edit` of this profile has its editor open (`open_drafts`):
    deleting the device's data would delete the draft being written, --yes or not. Raises
    click.ClickException; nothing was done."""
    held = open_drafts(home)
    if not held:
        return
    entries = "an entry is" if len(held) == 1 else f"{len(held)} entries are"
    raise Failed(
        f"{entries} still being written in an editor on this device (a running tj write or "
        f"tj edit, draft {held[0]}): save and close the editor, then run {again} again; "
        "nothing was done",
        "editor",
    )


def remove_drafts(home: Path) -> tuple[int, int]:
    """Delete the profile's drafts folder and what it holds: the local data of this device
    goes with its drafts, plain text a failed save kept (REV-ACCT F3: `tj logout` and `tj
    account delete` said the data was deleted and left them). Returns (drafts deleted,
    drafts that could not be: a permission refused, say; REV-ACCT2 G3)."""
    count = len(drafts_kept(home))
    folder = drafts_folder(home)
    held = open_drafts(home)  # opened since the command checked: kept (`editing`)
    if folder.is_symlink():  # its target is not this profile's to empty: only the link goes
        folder.unlink()
    elif held:
        keep = {p.name for p in held} | {p.name + OPEN_MARK for p in held}
        for entry in folder.iterdir():
            if entry.name not in keep:
                with contextlib.suppress(OSError):
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    else:
        shutil.rmtree(folder, ignore_errors=True)
    left = len(drafts_kept(home))
    return count - left, left


def removed_drafts_lines(home: Path) -> list[str]:
    """`remove_drafts`, said: how many drafts were deleted, and those that could not be."""
    deleted, left = remove_drafts(home)
    lines = [f"Deleted {drafts_text(deleted, home)}."] if deleted else []
    if left:
        lines.append(
            f"{drafts_text(left, home)} could not be deleted: delete {them(left)} yourself, "
            f"{'it holds' if left == 1 else 'they hold'} what you wrote in plain text."
        )
    return lines


def are(count: int) -> str:
    """ "is" for one draft, "are" for more."""
    return "is" if count == 1 else "are"


def them(count: int) -> str:
    """ "it" for one draft, "them" for more."""
    return "it" if count == 1 else "them"


def drafts_text(count: int, home: Path) -> str:
    """ "2 drafts never saved (~/.../drafts/)" for the messages of `tj logout` and `tj
    account delete`; "1 draft never saved (~/.../drafts/entry-k2j4.md)" when the profile
    holds that one draft: its own path, not its folder."""
    kept = drafts_kept(home) if count == 1 else []
    if len(kept) == 1:
        return f"1 draft never saved ({shown_path(kept[0])})"
    drafts = "draft" if count == 1 else "drafts"
    return f"{count} {drafts} never saved ({shown_drafts_folder(home)})"


def shown_path(path: Path) -> str:
    """A draft's path as a user would type it: under the user's home directory as `~/...`
    when no shell quoting is needed there, else whole, quoted for a shell when it needs it."""
    whole = path.expanduser().absolute()
    with contextlib.suppress(ValueError):
        tail = whole.relative_to(Path.home()).as_posix()
        if shlex.quote(tail) == tail:
            return f"~/{tail}"
    return shlex.quote(str(whole))


def shown_drafts_folder(home: Path) -> str:
    """The drafts folder of the profile at `home` as a user would type it: under the user's
    home directory as `~/...`, quoted for a shell when it needs it."""
    folder = drafts_folder(home.expanduser().absolute())
    try:
        text = "~/" + folder.relative_to(Path.home()).as_posix() + "/"
    except ValueError:
        text = str(folder) + "/"
    if shlex.quote(text) != text and not text.startswith("~/"):
        return shlex.quote(text)
    return text if shlex.quote(text[2:]) == text[2:] else shlex.quote(str(folder) + "/")


class DraftHelpCommand(click.Command):
    """A command whose help examples name a draft: `DRAFTS/` there is the drafts folder of the
    profile this `tj` runs with (`--home`, $TJ_HOME, else the default), not a guess (NU34 #6:
    it said ~/.local/share/tj/drafts/, where no profile keeps its drafts)."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        home = ctx.find_root().params.get("home")
        written = self.help
        if written is not None and isinstance(home, Path):
            self.help = written.replace(DRAFTS_PLACEHOLDER, shown_drafts_folder(home))
        try:
            super().format_help_text(ctx, formatter)
        finally:
            self.help = written


def read_draft(path: Path) -> str:
    """A draft's entry text: what is above the scissors line (`strip_comments`). Raises
    click.ClickException for a file that cannot be read or is not UTF-8."""
    try:
        return strip_comments(decoded_text(path.read_bytes()))
    except UnicodeDecodeError as error:
        raise Failed(
            f"{path} is not UTF-8 text (byte {error.start + 1} is not); nothing was saved",
            "file",
        ) from None
    except OSError as error:
        raise Failed(f"cannot read {path}: {error.strerror}", "file") from None


def discard_draft(home: Path, path: Path) -> bool:
    """Delete a draft just saved, when it is one of this profile's drafts (a file elsewhere
    is the user's own and stays); returns whether it did."""
    if path.resolve().parent == drafts_folder(home).resolve():
        path.unlink(missing_ok=True)
        return True
    return False


@contextlib.contextmanager
def drafted(
    home: Path,
    start: str,
    save: Sequence[str],
    saved: Sequence[object] = (),
    tj: Sequence[str] = ("tj",),
) -> Iterator[tuple[Path, str]]:
    """Open the editor on a new draft holding `start`; yield the draft's path and what was
    written. The draft is deleted when the block completes (the entry was saved), and kept
    when it raises or the editor fails (the error names it, with `save`: the words of the
    command that saves it, e.g. ["tj", "write", "--mood", "5", "--draft"], quoted for a
    POSIX shell with the draft's path after them), unless nothing was written in it, or
    unless `saved` holds something by then: the block saved what was written on this device
    and failed after it (a Ctrl-C during the sync that follows: the change waits in the
    outbox), and saving the draft again would save it twice (fix-nu36c's leftover, as
    `body_of` does for piped text). A text kept that is longer than an entry holds
    (MAX_BODY) is to be shortened first: saved as it is, it would be refused again (NU38 N5).
    Earlier drafts that hold text are mentioned first, with `tj` (the words that start a
    command for this profile: "tj --home PATH" when one was given: NU38 N5)."""
    folder = drafts_folder(home)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    left = [draft for draft in sorted(folder.glob("*.md")) if holds_text(draft)]
    if left:
        were = "draft was" if len(left) == 1 else "drafts were"
        write, edit = (
            command([*tj, *words, "--draft", "FILE"]) for words in (["write"], ["edit", "ID"])
        )
        how = f"{write} saves a new entry's draft ({edit} an edit's) and deletes it"
        kept = saved_with(left[-1])
        if kept is not None:  # the command it was written for, its options included (NU41 #3)
            # this device's own draft file: the command tj wrote in it, quoted for a shell
            how = f"{command_text(kept)} saves it and deletes it" + (
                f"; {how}" if len(left) > 1 else ""
            )
        if names_no_journal(left[-1]):  # fix30e item 1: the journal to name, said now
            unnamed = command(unnamed_command(left[-1], tj, "NAME"))
            how = (
                f"{unnamed} saves it into the journal you name ({unnamed_why(left[-1])}; {edit} "
                f"if it is an edit's) and deletes it" + (f"; {how}" if len(left) > 1 else "")
            )
        said = f"Note: {len(left):,} earlier {were} never saved, e.g. {left[-1]}: {how}."
        click.echo(shown(said, prose=True), err=True)
    from client_sdk.profile import PROFILE_FILE

    with contextlib.ExitStack() as open_mark:
        # The draft is made and marked open under the gate: a logout or account deletion
        # either sees the mark, or has deleted the data before it is made (NU57 #1).
        with _gate(folder, exclusive=False):
            if not (home / PROFILE_FILE).exists():
                raise Failed(
                    f"this device was signed out ({home}: tj logout or tj account delete, "
                    "while this command waited), so the editor was not opened; nothing was "
                    "written",
                    "signed out",
                )
            descriptor, name = tempfile.mkstemp(prefix="entry-", suffix=".md", dir=folder)
            path = Path(name)  # 0600
            # The command that saves this draft, options included, below the scissors line:
            # what the reminder of a later command names when `tj` was stopped (NU41 #3).
            start = f"{start.rstrip(chr(10))}\n{SAVED_WITH}{shlex.join([*save, str(path)])}\n"
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(start)
            open_mark.enter_context(editing(path))  # until saved: logout refuses (NU56 #4)
        yield from _edited(path, start, save, saved)


def _edited(
    path: Path, start: str, save: Sequence[str], saved: Sequence[object]
) -> Iterator[tuple[Path, str]]:
    """`drafted`'s editor on the draft at `path` (written with `start`), and what follows it;
    a draft gone when the editor closed (deleted by another program) is said to be gone,
    never "kept"."""
    gone = (
        f"the draft {path} was deleted while the editor was open (by another program), so "
        "what was written in it is not kept on this device"
    )
    try:
        click.edit(filename=str(path), require_save=False)
    except KeyboardInterrupt:  # Ctrl-C while the editor was open (NU41 #3): name the draft
        if not path.exists():
            click.echo(f"\n{gone[:1].upper()}{gone[1:]}.", err=True)
        elif not _written_in(path, start):
            path.unlink(missing_ok=True)
        else:
            with contextlib.suppress(OSError):
                kept_in = f"\nWhat you wrote is kept in {path} ({_saves(path, save)})."
                click.echo(shown(kept_in, prose=True), err=True)
        raise
    except click.ClickException as failed:
        if not path.exists():
            raise Failed(f"{failed.format_message()}: {gone}", "editor") from None
        if not _written_in(path, start):  # NU21 C8: nothing to save, nothing to remind of
            path.unlink(missing_ok=True)
            raise Failed(
                f"{failed.format_message()}: nothing was written, so no draft was kept; "
                f"{without_editor(save)}",
                "editor",
            ) from None
        raise Failed(
            f"{failed.format_message()}: what you wrote is kept in {path} "
            f"({_saves(path, save)} and deletes the draft)",
            "editor",
        ) from None
    try:
        written = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise Failed(f"nothing was saved: {gone}", "editor") from None
    try:
        yield path, written
    except BaseException:
        if _written_in(path, start) and not saved and path.exists():
            kept_in = f"What you wrote is kept in {path} ({_saves(path, save)})."
            click.echo(shown(kept_in, prose=True), err=True)
        else:
            path.unlink(missing_ok=True)
        raise
    path.unlink(missing_ok=True)


def without_editor(save: Sequence[str]) -> str:
    """How to write without the editor that failed before anything was written in it (nu80
    F11: "nonexistent-editor: Editing failed: [Errno 2] ..." named no way on): set $EDITOR
    to one installed here, or give the text, by the command that runs it (`save`, the words
    of the `tj write ... --draft` or `tj edit ID --draft` that saves its draft: "tj --home
    PATH" kept). Pure."""
    words = list(save)
    first = (
        f"set $EDITOR to an editor installed here ({command(['export', 'EDITOR=nano'])}, "
        "say; $VISUAL comes first when set)"
    )
    if "edit" in words and "write" not in words:
        at = words.index("edit")
        entry = words[at + 1] if at + 1 < len(words) else "ID"
        body = command([*words[:at], "edit", entry, "--body", "TEXT"])
        return f"{first}, or give the text: {body} (or --append TEXT)"
    at = words.index("write") if "write" in words else len(words)
    end = words.index("--draft") if "--draft" in words[at:] else len(words)
    write = [*(words[:at] or ["tj"]), "write", *words[at + 1 : end]]  # its options kept
    given = command([*write, "TEXT"])
    piped = command_text(f"echo TEXT | {shlex.join(write)}")
    return f"{first}, or give the text: {given}, or pipe it in ({piped})"


SAVED_WITH = "# If tj is stopped before this is saved, this saves it: "
"""The start of the draft's last line (below the scissors line, so never part of the entry):
the command that saves the draft, with the options it was written with (`saved_with`)."""


def saved_with(path: Path) -> str | None:
    """The command written in the draft at `path` that saves it (SAVED_WITH), None for a
    draft without one (an older `tj`'s) or one that cannot be read."""
    return _below_cut(path, SAVED_WITH)


def _below_cut(path: Path, start: str) -> str | None:
    """What follows `start` on the draft's last line below the scissors line that begins so;
    None when there is none, it is empty, or the draft cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if CUT not in lines:
        return None
    found = [line for line in lines[lines.index(CUT) :] if line.startswith(start)]
    return found[-1][len(start) :].strip() or None if found else None


def written_for(path: Path) -> tuple[str, list[str]] | None:
    """The journal the draft at `path` was written for, as the command written in it names
    it (`saved_with`: its --journal), with that command's words; None when it names none
    (written for the default journal, or a draft without a command: an older `tj`'s, a
    user's own file, a text holding the scissors line)."""
    kept = saved_with(path)
    if kept is None:
        return None
    try:
        words = shlex.split(kept)
    except ValueError:
        return None
    if "--journal" not in words[:-1]:
        return None
    return words[words.index("--journal") + 1], words


UNNAMED = (
    "it names no journal it was written for: without --journal it goes only into a default "
    "journal no one else reads"
)
"""Said beside the command that saves a draft naming no journal (`names_no_journal`), as
`tj write --draft` checks it (`cli.entries.unnamed_draft_checked`)."""


def names_no_journal(path: Path) -> bool:
    """Whether the entry draft at `path` names no journal it was written for: no command in
    it (an older `tj`'s, a file written by hand) or a `tj write` command without --journal
    (an older `tj`'s). An edit's draft (`tj edit ID --draft`) names its entry instead."""
    kept = saved_with(path)
    if kept is None:
        return True
    try:
        words = shlex.split(kept)
    except ValueError:
        return True
    return "write" in words and "--journal" not in words[:-1]


def unnamed_command(path: Path, tj: Sequence[str], journal: str) -> list[str]:
    """The words that save the draft at `path`, which names no journal (`names_no_journal`),
    into `journal` (an id, or "NAME" for the user to fill in): the `tj write` command
    written in it (an older `tj`'s, its options kept) with `--journal JOURNAL` after
    "write", else `tj write --journal JOURNAL --draft PATH` (`tj`: the words that start a
    command for this profile)."""
    kept = saved_with(path)
    try:
        words = shlex.split(kept) if kept is not None else []
    except ValueError:
        words = []
    if "write" not in words or "--draft" not in words:
        words = [*tj, "write", "--draft", str(path)]
    return with_journal(words, journal)


def with_journal(words: Sequence[str], journal: str) -> list[str]:
    """The words of a `tj write` command (`words`, naming no journal) with `--journal
    JOURNAL` after "write". Pure."""
    at = list(words).index("write") + 1
    return [*words[:at], "--journal", journal, *words[at:]]


def _saves(path: Path, save: Sequence[str]) -> str:
    """How the draft at `path` is saved: "`tj ... --draft PATH` saves it" (`save`, quoted
    for a POSIX shell), after "shorten it to 100,000 characters, then" when its text is
    longer than an entry holds: saved as it is, it would be refused again."""
    saves = f"{command([*save, str(path)])} saves it"
    try:
        text = strip_comments(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return saves
    return f"shorten it to {MAX_BODY:,} characters, then {saves}" if len(text) > MAX_BODY else saves


class SignedOut(Exception):
    """The profile a draft was to be kept in was signed out (`tj logout` or `tj account
    delete`, while this command ran): no draft was made, so its words are in no file; the
    caller says so and shows them (`kept_as_draft`, `kept_with_command`)."""


def _new_draft(home: Path, text: Callable[[Path], str]) -> Path:
    """Make a new draft of the profile at `home` (0600, in its drafts folder) holding
    `text(path)`, under the drafts gate held shared (`_gate`), as `drafted` makes one: a
    logout or account deletion either sees it (made before they took the gate, it is
    counted and deleted with the data, as they say), or has deleted the data before, and
    then none is made. Raises SignedOut when the profile is gone by then, OSError when the
    file cannot be written."""
    from client_sdk.profile import PROFILE_FILE

    folder = drafts_folder(home)
    with _gate(folder, exclusive=False):
        if (home / PROFILE_FILE).exists():
            descriptor, name = tempfile.mkstemp(prefix="entry-", suffix=".md", dir=folder)
            path = Path(name)
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text(path))
            return path
    with contextlib.suppress(OSError):  # the folder the gate made again, if left empty
        folder.rmdir()
    raise SignedOut(str(home))


def kept_as_draft(home: Path, text: str) -> Path:
    """Keep `text` (read from stdin, by a write that failed) as a new draft of the profile at
    `home` (0600, in its drafts folder), which `tj write --draft FILE` saves (NU36 #6: text
    piped in was lost when the write was refused). Made under the drafts gate (`_new_draft`).
    Raises SignedOut when the profile was signed out meanwhile (nothing kept), OSError when
    the draft cannot be written."""
    return _new_draft(home, lambda _: text + "\n")


def kept_with_command(
    home: Path, text: str, save: Sequence[str], refused: str | None = None, *, several: bool = True
) -> Path:
    """Keep `text` as a new draft of the profile at `home` (0600, in its drafts folder),
    with the command that saves it below the scissors line (`save`: its words before the
    draft's path, as `drafted` writes them), so the reminder of a later `tj write` names it:
    words this device wrote that a sync found gone with their entry (NU51 F6). `refused`:
    the words after a --journal refused, which `save` leaves out, written on a line of
    their own: as naming several journals here (`several`: REFUSED_JOURNAL), else as naming
    no journal this account may write in (REFUSED_UNWRITABLE: none so named, one shared
    read-only; nu80 F1). Made under the drafts
    gate (`_new_draft`). Raises SignedOut when the profile was signed out meanwhile
    (nothing kept), OSError when the draft cannot be written."""
    # Longer than an entry holds, its command alone fails: said in the file too (NU74 F4).
    shorten = (
        f"# {_shorten_first()[:1].upper()}{_shorten_first()[1:]} (above the line) first: "
        "an entry holds no more.\n"
        if len(strip_comments(text)) > MAX_BODY
        else ""
    )
    start = REFUSED_JOURNAL if several else REFUSED_UNWRITABLE
    why = "" if refused is None else f"{start}{' '.join(refused.split())}\n"
    return _new_draft(
        home,
        lambda path: (
            f"{text}\n\n{CUT}\n{shorten}{why}{SAVED_WITH}{shlex.join([*save, str(path)])}\n"
        ),
    )


REFUSED_JOURNAL = "# Its --journal was refused, as it named more than one journal: "
"""The start of a line below the scissors line of a draft kept after the words given to its
--journal named several journals here (subject AMBIGUOUS_ID, or "same name":
`kept_with_command`): those words, which its command leaves out, so that no command said
of it repeats them (fix31d); `refused_journal` reads them back, and `tj write --draft`
without --journal refuses it, offering the journals they may name
(`cli.entries.unnamed_draft_checked`)."""


REFUSED_UNWRITABLE = (
    "# Its --journal was refused, as it named no journal this account may write in: "
)
"""The start of a line below the scissors line of a draft kept after the words given to its
--journal were refused otherwise than as naming several journals (`kept_with_command`): no
journal here is named so (a typo: "Dreams2"), or the one named is shared read-only, a
brief, a copy. Its command leaves them out, so that no reminder, `tj logout` or `tj write
--draft` repeats a command that can only be refused again (nu80 F1); `refused_journal`
reads them back, as it does REFUSED_JOURNAL's."""


def refused_journal(path: Path) -> str | None:
    """The --journal words refused that the draft at `path` records (REFUSED_JOURNAL,
    REFUSED_UNWRITABLE); None for a draft that records none, or cannot be read."""
    several = _below_cut(path, REFUSED_JOURNAL)
    return several if several is not None else _below_cut(path, REFUSED_UNWRITABLE)


def refused_why(path: Path) -> str:
    """Why the --journal words the draft at `path` records (`refused_journal`) were refused:
    "as it named more than one journal" (REFUSED_JOURNAL) or "as it named no journal this
    account may write in" (REFUSED_UNWRITABLE)."""
    several = _below_cut(path, REFUSED_JOURNAL) is not None
    start = REFUSED_JOURNAL if several else REFUSED_UNWRITABLE
    return start.removeprefix("# Its --journal was refused, ").removesuffix(": ")


def unnamed_why(path: Path) -> str:
    """Why the draft at `path`, which names no journal (`names_no_journal`), is saved by a
    command naming one: UNNAMED, or that its --journal was refused (`refused_journal`,
    `refused_why`)."""
    words = refused_journal(path)
    if words is None:
        return UNNAMED
    return f"its --journal {shlex.quote(words)} was refused, {refused_why(path)}"


def holds_text(path: Path) -> bool:
    """Whether a draft holds text above the scissors line (one that cannot be read is
    taken as holding some: it is never dropped unseen)."""
    try:
        return bool(strip_comments(path.read_text(encoding="utf-8")).strip())
    except (OSError, UnicodeDecodeError):
        return True


def _written_in(path: Path, start: str) -> bool:
    """Whether the draft at `path` holds something the user wrote: text above the scissors
    line that is not just what `tj` put there (`start`: an edit's current text, a TEXT
    given with --edit, both kept elsewhere)."""
    try:
        now = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return True
    return now != start and bool(strip_comments(now).strip())


def revise_template(text: str) -> str:
    """The file the editor opens to change an entry whose text is `text`: the text, then the
    guide (REVISE_GUIDE); written back unchanged, it changes nothing."""
    return text + "\n" + REVISE_GUIDE


def revised(
    home: Path,
    text: str,
    save: Sequence[str],
    saved: Sequence[object] = (),
    tj: Sequence[str] = ("tj",),
) -> contextlib.AbstractContextManager[tuple[Path, str]]:
    """`drafted` on an entry's current text (`revise_template`; what is written is to be
    checked with `strip_comments`); `save` (["tj", "--home", PATH, "edit", ID, "--draft"],
    its --home when one was given), `saved` and `tj` as there. The caller refuses a text that
    `holds_cut` first."""
    return drafted(home, revise_template(text), save, saved, tj)


def composed(
    home: Path,
    prompt: Prompt | None = None,
    text: str = "",
    save: Sequence[str] = ("tj", "write", "--draft"),
    saved: Sequence[object] = (),
    tj: Sequence[str] = ("tj",),
) -> contextlib.AbstractContextManager[tuple[Path, str]]:
    """`drafted` on a new entry's template; `save`, `saved` and `tj` as there."""
    return drafted(home, template(prompt, text), save, saved, tj)
