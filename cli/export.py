"""`tj export` (your journal as plain files) and `tj import` (an export into this account)."""

from __future__ import annotations

import gc
import json
import os
import re
import time
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from cli import output
from cli.homes import profile_words
from cli.main import (
    PLAIN_NAME,
    Home,
    cli,
    json_option,
    pass_home,
    sync_note,
    synced_first,
)
from cli.progress import UPLOAD_WAIT_S, ProgressBar
from cli.terminal import Failed, shell_join
from client_sdk.models import Journal, and_words, decoded_text, plain_text

if TYPE_CHECKING:
    from client_sdk import Client, ImportReport

BAR_AFTER_S = 0.5  # an import that ends sooner shows only its summary


@cli.command()
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="json: one file with everything (what `tj import` reads); markdown: a file per entry.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Directory to write into (made if missing, in a folder that exists; for Markdown, "
    "new or empty).",
)
@click.option(
    "--journal",
    "journal_names",
    multiple=True,
    type=PLAIN_NAME,
    metavar="NAME",
    help="Export this journal (repeatable; with --client, this one too): 'Personal', "
    "'ana/Personal', or its id when two journals bear the name.",
)
@click.option(
    "--client",
    "client_names",
    multiple=True,
    type=PLAIN_NAME,
    metavar="NAME",
    help="Export the journals this client shares with you, ended shares' copies too "
    "(repeatable; with --journal, those too).",
)
@json_option
@pass_home
def export(
    home: Home,
    file_format: str,
    out_dir: Path,
    journal_names: tuple[str, ...],
    client_names: tuple[str, ...],
    as_json: bool,
) -> None:
    """Export everything you can read on this device, decrypted, as plain files; or only
    some journals (--journal NAME) or one client's (--client NAME: every journal they share
    with you, and the read-only copies of shares that ended).

    Syncs first when the server is reachable. JSON is one file
    (therapy-journal-YOU-TIME.json; with --client ana, therapy-journal-YOU-ana-TIME.json)
    holding every journal,
    entry (those in the trash too, with the time they were trashed), goal with its
    check-ins, note or prompt, questionnaire result (with its answers),
    homework, assignment, safety plan (with the crisis line in use), safety flag and a
    therapist's private note; Markdown
    is one file per entry with front matter (id, journal, journal_id, title, mood, tags,
    emotions, times; share_ended: true for the copy of a share that ended, unlisted: true
    instead where only the server says so),
    one folder per journal of yours (entries in the trash in its "trash" folder), and one
    per client named by their username exactly, the copies of ended shares too
    ("ana.b/personal" beside
    "ana-b/personal"; the copy of an ended share in "ana/dreams (share ended)", or
    "ana/dreams (no longer served)" where only the server says so), holding
    one per journal they share, with goals.md,
    notes.md, questionnaires.md, homework.md, assignments.md, safety.md and
    private-notes.md where there are any. The files are NOT encrypted: they are
    made readable only by you; keep them safe.

    Not exported: briefs (`tj briefs --json`), the copies kept for a therapist (their
    originals are in; a therapist's notes, prompts and assignments in a copy of some
    fields are, beside the journal it copies, marked with the copy's name), and changes written by a newer version of the app that this one
    cannot read yet (a notice names them: update the app and export again). `tj import`
    restores journals, entries, goals, notes, and your own questionnaire results and safety
    plan; the other care records are in the file for you to keep, not imported.

    With --client, your private notes about that client are in (with --journal, those about
    the clients whose journals are named); all of them when their journal is named
    (--journal 'Private notes'). Given together, or repeated, they add up: `--client
    ana --journal Personal` exports ana's journals and your Personal. A name two journals
    bear (a share still on and the copy of an ended share of the same name) is refused,
    listing both ids: give the one you mean by its id (`tj shared-with-me` lists them).

    \b
    Examples:
      tj export --out ~/journal-backup
      tj export --format markdown --out ~/journal-notes
      tj export --client ana --out ~/ana-records
      tj import ~/journal-backup/therapy-journal-ana-20250312-1830.json
    """
    refuse_missing_parent(out_dir)
    if file_format == "markdown" and out_dir.is_dir() and any(out_dir.iterdir()):
        raise Failed(
            f"{output.path_word(out_dir)} is not empty: give a new or empty folder for a Markdown export (its "
            "files would mix with what is there)",
            "file",
        )
    chosen = Chosen(list(journal_names), list(client_names))
    written: list[Path] = []
    try:
        files, held, names = home.run(
            lambda client: export_files(
                client, file_format, out_dir, chosen, counted=as_json, written=written
            )
        )
    except KeyboardInterrupt:  # what became of the files, never "`tj sync` sends" (nu80 F6)
        output.stopped_unsaved(stopped_export(home, file_format, out_dir, chosen, written))
        raise
    of = f" ({', '.join(names)})" if chosen.some else ""  # what was exported (NU47 #7)
    if as_json:  # what the text names too, for an app or a backup script (NU72 F8)
        printed: dict[str, Any] = {"format": file_format, "files": [str(path) for path in files]}
        printed |= {"counts": export_counts(held), "journals": exported_journals(held)}
        output.print_json(printed)
    elif file_format == "json":
        # exact, on one line: quoted whole when it holds a line break (NU57 #6)
        output.data(output.path_word(files[0], quote=False))
        output.message(f"Exported {export_summary(held)}{of} to {output.path_word(files[0])}.")
    else:
        output.data(output.path_word(out_dir, quote=False))
        wrote = output.plural(len(files), "Markdown file", "Markdown files")
        if chosen.some:
            wrote += f" of {output.plural(len(names), 'journal', 'journals')}{of}"
        output.message(f"Wrote {wrote} under {output.path_word(out_dir)}.")


def refuse_missing_parent(out_dir: Path) -> None:
    """Raise Failed (subject "file") when `out_dir`, `tj export --out`'s folder, is missing
    and so is the folder it would be made in: a mistyped path is never made whole, the
    export in clear landing where the user did not mean (nu80 F5: `tj report --html`
    refused a missing folder, `tj export` made the tree without a word). `out_dir` itself
    is made when missing, as before."""
    parent = out_dir.parent
    if out_dir.exists() or parent.is_dir():
        return
    why = "does not exist" if not parent.exists() else "is not a folder"
    mkdir = f" ({output.command(['mkdir', '-p', str(parent)])})" if not parent.exists() else ""
    raise Failed(
        f"cannot use {output.path_word(out_dir)}: the folder {output.path_word(parent)} {why} "
        f"(tj export makes {output.path_word(out_dir.name)}, not the folders above it): "
        f"create it first{mkdir}, or give another --out; nothing was exported",
        "file",
    )


@dataclass(frozen=True)
class Chosen:
    """What `tj export` was asked to hold: `journals` and `clients` as given (both empty:
    everything)."""

    journals: list[str]
    clients: list[str]

    @property
    def some(self) -> bool:
        return bool(self.journals or self.clients)


async def export_files(
    client: Client,
    file_format: str,
    out_dir: Path,
    chosen: Chosen | None = None,
    *,
    counted: bool = False,
    written: list[Path] | None = None,
) -> tuple[list[Path], dict[str, Any], list[str]]:
    """The files written, what they hold (`export_json`'s dict: for Markdown, the same
    export read again, from the same state, only when `counted`, for `tj export --json`'s
    "counts" and "journals"; else {}), and the names of the journals `chosen` names (none
    when it names none). Syncs first when the server is reachable; offline, says which
    state is exported (the device's at its last sync), never that something "will sync".
    The files are put in `written` (when given) as soon as all of them are written, for a
    stop after it to say so (`stopped_export`); a JSON file stopped as it was written is
    deleted."""
    await synced_first(client, doing="exporting")
    chosen = chosen or Chosen([], [])
    some = {"journals": chosen.journals, "clients": chosen.clients}
    data: dict[str, Any] = {}
    if file_format == "markdown":
        files = await client.archive.export_markdown(out_dir, **some)
        if counted:  # what the files hold, counted as a JSON export's (fix30e item 5)
            data = await client.archive.export_json(**some)
    else:
        data = await client.archive.export_json(**some)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        named = "".join(f"-{file_word(name)}" for name in chosen.clients)  # NU49 F9
        path = out_dir / f"therapy-journal-{client.username}{named}-{stamp}.json"
        try:
            write_private(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        except BaseException:  # never a file cut short, read later as an export
            path.unlink(missing_ok=True)
            raise
        files = [path]
    if written is not None:
        written.extend(files)
    names = [await exported_name(client, j) for j in await client.archive.chosen(**some) or []]
    for newer in await client.waiting_for_update():  # what the files leave out, every time
        output.message(f"Notice: not in this export: {newer}", wrap=True)  # as sync's (NU47 #14)
    return files, data, names


def stopped_export(
    home: Home, file_format: str, out_dir: Path, chosen: Chosen, written: list[Path]
) -> str:
    """What `tj export` stopped by Ctrl-C says of its files (nu80 F6: "what this device had
    saved is kept; `tj sync` sends ...", whether the folder held the whole export or part of
    it, and its run again was refused, the folder not being empty): written whole
    (`written`, every file: `export_files`), that they are; else, for JSON, that no file was
    written, with the command to run again; for Markdown, that the folder may hold part of
    it, to be deleted (only when this export made it, or it was empty) before running again
    into it, or another folder given."""
    again = [*profile_words(home.path), "export"]
    if file_format != "json":
        again += ["--format", file_format]
    again += [word for name in chosen.journals for word in ("--journal", name)]
    again += [word for name in chosen.clients for word in ("--client", name)]
    folder = output.path_word(out_dir)
    if written:
        if file_format == "json":
            what = f"{output.path_word(written[0])} holds"
        else:
            many = output.plural(len(written), "Markdown file", "Markdown files")
            what = f"the {many} under {folder} hold"
        return f"Stopped after the export was written: {what} it whole."
    if file_format == "json":
        return (
            f"Stopped before the export was written: no file was written in {folder}; "
            f"{output.command([*again, '--out', str(out_dir)])} exports it again."
        )
    return (
        f"Stopped before the export finished: {folder} may hold part of it. Delete what the "
        f"export wrote there, then {output.command([*again, '--out', str(out_dir)])} exports "
        "it again (a Markdown export goes into a new or empty folder), or give another --out."
    )


def file_word(name: str) -> str:
    """A client's name as --client gave it, fit for a file name: "ana", "ben-account-1a2b3c4d"
    for "ben (account 1a2b3c4d)"."""
    return re.sub(r"[^A-Za-z0-9._]+", "-", name).strip("-.") or "client"


async def exported_name(client: Client, journal: Journal) -> str:
    """A journal an export holds, as its summary names it: its name as the files and every
    other view name it ("ana/Personal (share ended)" for the read-only copy of a share that
    ended, "ana/Personal (no longer served)" where only the server says so, as `tj list` says
    it: `output.ended_marks`), with the account it is of where the server now gives
    that username to another account, saying so (REV-HELD: `tj export --client kim` before
    the new kim was verified exported the erased kim's records, said as "kim/Personal"):
    "kim (account 1a2b3c4d)/Personal, not the account the server now names kim"."""
    if journal.own or not await client.journals.name_given_elsewhere(journal.id):
        mark = output.ended_marks([journal]).get(journal.id) or (
            ("(gone from the server)" if journal.own else output.ENDED_COPY)
            if journal.read_only_copy
            else ""
        )
        return f"{journal.name} {mark}" if mark else journal.name
    label = await client.journals.client_label(journal.id)
    # the name carries the label already (`Replica.owner_named`, fix31e) or the username
    own_name = journal.name.removeprefix(f"{label}/").removeprefix(f"{journal.owner}/")
    return f"{label}/{own_name}, not the account the server now names {journal.owner}"


def export_counts(data: dict[str, Any]) -> dict[str, int]:
    """What a JSON export holds, counted as its summary counts it (`export_summary`), for
    `tj export --json`: {"journals", "entries", "entries_in_trash", "goals", "notes",
    "results", "homework", "assignments", "safety_plans" (those with something written),
    "safety_flags", "private_notes"}, every key present (0 for none)."""
    from client_sdk.care_archive import care_count

    kinds = ["journals", "entries", "goals", "notes", *CARE_WORDS]
    counts = {kind: care_count(kind, data.get(kind)) for kind in kinds}
    counts["entries_in_trash"] = sum(
        1 for e in data.get("entries", []) if isinstance(e, dict) and e.get("trashed_at")
    )
    return {kind: counts[kind] for kind in ["journals", "entries", "entries_in_trash", *kinds[2:]]}


def exported_journals(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The journals a JSON export covers, for `tj export --json`, in the file's order: each
    one's "id", "name" (as the file names it), "own" (one of the exporter's own journals, a
    read-only copy of one gone from the server included) and "read_only_copy" (the copy kept
    of a journal gone from the server or of a share that ended), read as `tj import` reads
    them (`archive.read_journal`)."""
    from client_sdk.archive import Fields, read_journal

    said = []
    for i, raw in enumerate(data.get("journals", [])):
        journal = read_journal(Fields(raw, f"journals[{i}]"))
        said.append(
            {
                "id": journal.id,
                "name": journal.name,
                "own": journal.role == "owner" or journal.own,
                "read_only_copy": journal.read_only_copy,
            }
        )
    return said


def export_summary(data: dict[str, Any]) -> str:
    """What a JSON export holds, for the line after its path (NU38 #3: only the path was
    printed): "2 entries (1 in the trash) and 1 goal from 1 journal", with its notes and
    care records when it has any."""
    from client_sdk.care_archive import care_count

    plural = output.plural

    def count(kind: str) -> int:  # a safety plan only when written (NU43 #17)
        return care_count(kind, data.get(kind))

    trashed = sum(1 for e in data.get("entries", []) if e.get("trashed_at"))
    parts = [
        plural(count("entries"), "entry", "entries")
        + (f" ({trashed} in the trash)" if trashed else "")
    ]
    kinds = {"goals": KIND_WORDS["goals"], "notes": KIND_WORDS["notes"], **CARE_WORDS}
    parts += [plural(count(kind), *words) for kind, words in kinds.items() if count(kind)]
    return f"{and_words(parts)} from {plural(count('journals'), 'journal', 'journals')}"


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file only the user can read (0600), in folders only they can open
    (0700, each it makes: `portability.make_private_dir`)."""
    from client_sdk.portability import make_private_dir

    make_private_dir(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def parse_moods(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> dict[str, int]:
    """--mood LABEL=N (repeatable): a Daylio mood label and its mood on our 1-10 scale."""
    moods: dict[str, int] = {}
    for item in value:
        label, _, number = item.rpartition("=")
        if not label.strip() or not number.strip().isdigit() or not 1 <= int(number) <= 10:
            raise click.BadParameter(f"{item!r}: give LABEL=N with N from 1 to 10")
        moods[label.strip()] = int(number)
    return moods


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--from",
    "source",
    type=click.Choice(["tj", "dayone", "daylio"]),
    help="The file's app: tj (our JSON export), dayone (Day One's JSON export), daylio "
    "(Daylio's CSV backup). Default: told by the file (.csv is Daylio's; JSON, or the JSON "
    "inside a .zip, by what each app's export holds).",
)
@click.option(
    "--journal",
    "journal_name",
    type=PLAIN_NAME,
    metavar="NAME",
    help="One of your journals that receives all of the file (its readers then read it, and "
    "the summary names them); for a Day One or Daylio file, made when missing. Without it, a "
    'new journal is made ("Day One", "Daylio", or the journal\'s name in a tj export; "NAME '
    '(imported)" when you have one of that name): give --journal Personal to restore a backup '
    "into a new account's default journal (every journal of the file goes there: the summary "
    "names each; into a journal someone else reads, tj asks first).",
)
@click.option(
    "--mood",
    "moods",
    multiple=True,
    metavar="LABEL=N",
    callback=parse_moods,
    help="A custom Daylio mood and its mood from 1 to 10 (repeatable). Daylio's own five are "
    "known: awful 1, bad 3, meh 6, good 8, rad 10.",
)
@click.option(
    "--yes",
    is_flag=True,
    help="Do not ask before folding the file's other journals into a --journal someone else "
    "reads (for scripts).",
)
@json_option
@pass_home
def import_(
    home: Home,
    file: Path,
    source: str | None,
    journal_name: str | None,
    moods: dict[str, int],
    yes: bool,
    as_json: bool,
) -> None:
    """Import a JSON export (from `tj export`), a Day One JSON export or a Daylio CSV
    backup into this account, then sync (it syncs first too, so that what your other
    devices wrote counts as already here).

    Each of your journals in a tj export that holds something this account does not hold
    yet comes back as a new journal (shared with no one), under its name, or "NAME
    (imported)" when you have a journal of that name; a Day One or Daylio file likewise, as
    "Day One" or "Daylio". An import never writes into an existing journal unless you name
    it with `--journal`. Entries, goals (with their
    check-ins) and notes keep their fields and times but get new ids (entries that were in
    the trash go back to the trash, unless they were there 30 days or more): `--json` prints
    the map from old ids to new ones. Journals that were shared with the exporter, and a
    therapist's notes, are skipped; so is anything this account holds already, in any of
    your journals here (the summary says where), so importing a file twice adds nothing, on
    another device too. What you hold only in a read-only copy of a journal gone from the
    server is imported again (that copy takes no writes), and the summary names the copy.

    New questionnaire results go to your default journal. A restore into a new account
    without --journal puts your results and plan into "Personal (imported)", beside the
    default "Personal": the summary says so and how to keep them together (`tj journal
    default 'Personal (imported)'`, or delete it and import with `--journal Personal`). To
    restore a backup into a new account, give `--journal Personal` from the start: the
    summary names the journal and who reads it ("into 'Personal' (read by no one else)").
    `--journal` takes all of the file: each of its journals (a private "Dreams" too) goes
    there, and the summary names each with what came of it; into a journal someone else
    reads, a journal of the file of another name is said and asked about first (--yes: not
    asked). Without --journal the file's journals stay apart.
    Interrupted, the import keeps what it wrote and says how to finish into the journal it
    made (`--journal` with its name): the same command again puts the rest in another new
    journal.

    Your own questionnaire results come too, with their answers and the times you took
    them (the scores are computed again from the answers; one taken for a therapist's
    assignment is imported as yours), and your safety plan (emergency number, crisis line
    and text) into a journal where you have written none: one you have written here is
    kept, never overwritten, and the summary says so. A crisis line your therapist set
    stays in force: the file's is not imported over it (yours would replace theirs in the
    safety message; set yours deliberately with `tj safety plan --crisis-line`). Not
    imported (they stay in the file, and the summary counts them): homework, assignments,
    safety flags, and the care records of journals others shared with you; nor is a crisis
    line a therapist set. Nor is the opt-in to safety flags (an import never sends safety
    flags to anyone): where the file's plan had it on, flags reach no one from this account
    until you opt in again, and the summary says so with the command (`tj share JOURNAL THERAPIST
    --role annotate --safety-flags`), for your default journal first when the file's went
    into another and THERAPIST reads the default (a new questionnaire, and its safety flag,
    goes there); when they do not, the file's journal first, and it says that opting in on
    the default shares all of it with them (that command asks first). The summary names the emergency number and crisis
    line the safety message shows once the file's plan is imported, for you to check.

    Works offline. A Day One or Daylio file named into a journal with `--journal` goes there
    (made when missing), never into one you keep only to share with a member ("Shared with
    NAME", a field-level copy, a brief) nor a read-only copy: then into "NAME (imported)".

    From Day One: text (a first "# heading" becomes the title), tags, times
    and time zones; photos, places and weather are left out. From Daylio: mood, activities
    (as tags), note title and note, at the times written, in this device's time zone.

    The server limits how many changes one account may upload per minute (20,000 by
    default): a larger import uploads what it may, waits as the server asks (saying
    until when, 10 minutes at most), and otherwise leaves the rest for the next
    `tj sync`. Nothing is lost.

    \b
    Examples:
      tj import therapy-journal-ana-20250312-1830.json
      tj import therapy-journal-ana-20250312-1830.json --journal Personal
      tj import backup.json --json > id-map.json
      tj import Journal.json --from dayone --journal Diary
      tj import daylio_export.csv --mood tired=4 --mood "super happy=10"
    """
    if zipfile.is_zipfile(file):  # Day One's "Export > JSON" is a .zip: its Journal.json
        text = json_in_zip(file)  # whose app is then told by what it holds, as below
    else:
        try:
            text = decoded_text(file.read_bytes())  # UTF-16 with a BOM too (NU34 #4)
        except UnicodeDecodeError as error:
            if error.reason == "unexpected end of data":  # a character cut in two at its end
                raise file_refused(cut_short_words(file)) from None
            raise file_refused(f"{file} is not a text file: {error}") from None
    # A file saved on Windows (NU33 #1): a byte order mark (json refused it) and, in a Daylio
    # note, CRLF or a lone CR inside its quotes; JSON holds none unescaped in a string, so
    # what it holds is unchanged.
    text = plain_text(text)
    source = source or ("daylio" if file.suffix.lower() == ".csv" else None)
    data: Any = None
    if source != "daylio":
        if not text.strip():
            raise file_refused(f"{file} is empty; {READABLE}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            if cut_short(text, error):
                raise file_refused(cut_short_words(file)) from None
            raise file_refused(f"{file} is not JSON; {READABLE}") from None
        source = source or json_source(data)
        if source is None:
            raise file_refused(f"{file} is not an export tj knows; {READABLE}")
    if source == "dayone":  # its Markdown texts, made plain as `tj write` makes its text
        data = plain_dayone(data)
    # What is here now (the modules, the file read) lives until the command ends: moved out
    # of the garbage collector's generations, the full collections an import's allocations
    # set off do not walk it again each time (about 0.4 s of a 10,000-entry import, issue 10).
    # Undone when the import ends (R42 F1: the CLI may run inside another process, e.g. an app
    # calling `cli.main`, whose objects must stay collectable); left alone if the process had
    # frozen objects of its own before.
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    from client_sdk.errors import InvalidInput
    from client_sdk.portability import FOLD_SHARED, NAME_A_JOURNAL  # not at start-up

    before: set[str] = set()  # this account's journals before the import: those it made
    asked = f"Import all of the file into {output.named(str(journal_name))} all the same?"

    def importing(agreed: frozenset[str]) -> tuple[ImportReport, str, set[str], list[str]]:
        return home.run(
            lambda client: import_file(
                client,
                source or "tj",
                data,
                text,
                journal_name,
                moods,
                before,
                FOLD_SHARED in agreed,
            )  # fmt: skip
        )

    try:  # the file's other journals into one someone reads: said, then asked (NU72 F4)
        report, note, unverified, copied = output.said_then_asked(
            importing, {FOLD_SHARED: asked}, [FOLD_SHARED] if yes else []
        )
    except KeyboardInterrupt:
        made = made_since(home, before) if before and journal_name is None else []
        raise Failed(interrupted_text(file, journal_name, made), "interrupted") from None
    except InvalidInput as error:  # the way out it advises, as a command (nu79 F3)
        if error.names.get("advice") != NAME_A_JOURNAL:
            raise
        path = str(file) if output.pasteable(str(file)) else "FILE"
        into = output.command(["tj", "import", path, "--journal", "NAME"])
        raise InvalidInput(
            f"{error} ({into})", subject=error.subject, situation=error.situation, names=error.names
        ) from None
    finally:
        if freezing:
            gc.unfreeze()
    if as_json:
        output.print_json(report.to_dict())
    else:
        # each line on lines of the terminal's width, as a notice is (NU50 F5)
        summary = import_summary(report, source or "tj", unverified, str(file)).splitlines()
        output.data(output.fields_text(summary), prose=True)
    output.message(output.note_line(note))
    if copied:  # still set aside, sent again at every sync: the import holds them now
        drops = "; ".join(output.command(["tj", "set-aside", "drop", i[:12]]) for i in copied)
        output.message(
            f"{output.plural(len(copied), 'change', 'changes')} set aside on this device "
            f"({output.command_text('tj set-aside list')}) {'is' if len(copied) == 1 else 'are'} "
            f"in this import now, under new ids: dropping the set-aside copy loses nothing "
            f"({drops}).",
            wrap=True,
        )


def made_since(home: Home, before: set[str]) -> list[str]:
    """The names of this account's journals on this device whose ids `before` (those of
    before an interrupted import) does not hold: those the import made. Read from this
    device alone; [] when it cannot be read (the words then name no journal)."""

    async def made(client: Client) -> list[str]:
        return [j.name for j in await client.journals.list() if j.own and j.id not in before]

    try:
        return home.run(made)
    except (Exception, KeyboardInterrupt):  # the message is said all the same
        return []


def interrupted_text(file: Path, journal: str | None, made: list[str]) -> str:
    """What `tj import` says when interrupted. Into a journal named (`--journal`), the same
    command finishes it. A file given no --journal (a tj export, Day One or Daylio) went
    into journals the import made (`made`), which now bear the file's names: the same
    command puts the rest into another new journal of its own, so the words say so and give
    the command that finishes into the journal this run made (`--journal` naming it)."""
    if journal is not None:
        return (
            "interrupted: what was imported so far is kept on this device; run the same "
            "command again to finish (nothing is imported twice)"
        )
    path = str(file) if output.pasteable(str(file)) else "FILE"
    if len(made) == 1 and output.pasteable(made[0]):
        kept = f", in {output.quoted(made[0])}, the journal it made"
        finish = output.command(["tj", "import", path, "--journal", made[0]])
    else:
        names = f": {and_words([output.quoted(n) for n in made])}" if made else ""
        kept = f", in the journals it made{names}"
        finish = output.command_text(f"tj import {shell_join([path])} --journal NAME")
    return (
        f"interrupted: what was imported so far is kept on this device{kept}. Run the same "
        "command again and the rest goes into another new journal of its own; to finish into "
        f"the one this run made, name it: {finish} (nothing is imported twice)"
    )


def cut_short(text: str, error: json.JSONDecodeError) -> bool:
    """Whether `text`, which `error` refused as JSON, is JSON that ends before it is closed
    (a copy or download stopped partway: nu80 F9, said "is not JSON"): it starts as an
    object or an array does and the parser ran out of text, at its end or inside a string
    (whose closing quote `json` looks for up to the end: "Unterminated string"). Pure."""
    if text.lstrip()[:1] not in ("{", "["):
        return False
    return error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")


def cut_short_words(file: Path) -> str:
    """What `tj import` says of a FILE cut short (`cut_short`)."""
    return (
        f"{output.path_word(file, quote=False)} is cut short: it ends before its JSON does, as "
        "a copy or download stopped partway leaves a file; copy it again whole (or make a "
        f"new export with {output.command_text('tj export')}), then import that; nothing "
        "was imported"
    )


def file_refused(text: str) -> click.ClickException:
    """The failure for a FILE `tj import` cannot read as any app's export (not text, not
    JSON, not an export it knows): its `--json` error object's subject is "file"."""
    return Failed(text, "file")


def plain_dayone(data: Any) -> Any:
    """Day One's export with each entry's text (Markdown) made plain as `tj write` makes
    what it reads (`plain_text`: a leading byte order mark dropped, CRLF and a lone CR read
    as a line break; NU33 #1): text written on Windows holds "\\r\\n". The rest is left
    as it is, for the SDK to check. Our own export (`--from tj`) is restored as it was
    stored, its line endings too."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        return data
    entries = [
        {**entry, "text": plain_text(entry["text"])}
        if isinstance(entry, dict) and isinstance(entry.get("text"), str)
        else entry
        for entry in data["entries"]
    ]
    return {**data, "entries": entries}


READABLE = (
    f"tj import reads a Therapy Journal export (from {output.command_text('tj export')}), a Day One JSON export "
    "(Journal.json, or its .zip) and a Daylio CSV backup (.csv); --from names the app"
)


def json_source(data: Any) -> str | None:
    """The app whose JSON file this is, by what that app's files always hold: "tj" for our
    export's `format`, "dayone" for Day One's `metadata` and `entries`; None for others."""
    from client_sdk.archive import FORMAT
    from client_sdk.foreign import is_dayone

    if isinstance(data, dict) and data.get("format") == FORMAT:
        return "tj"
    return "dayone" if is_dayone(data) else None


def json_in_zip(file: Path) -> str:
    """The journal JSON inside a Day One export archive (Journal.json, or its only .json);
    photos and other media in it are left out."""
    with zipfile.ZipFile(file) as archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".json")]
        chosen = [n for n in names if Path(n).name == "Journal.json"] or names
        if len(chosen) != 1:
            found = ", ".join(names) or "none"
            raise Failed(
                f"{file} holds no single journal JSON file (found: {found}): unzip it and "
                "import the journal's .json file",
                "file",
            )
        try:
            return archive.read(chosen[0]).decode("utf-8")
        except UnicodeDecodeError as error:
            raise Failed(f"{chosen[0]} in {file} is not text: {error}", "file") from None


async def import_file(
    client: Client,
    source: str,
    data: Any,
    text: str,
    journal: str | None,
    moods: dict[str, int],
    before: set[str] | None = None,
    fold: bool = False,
) -> tuple[ImportReport, str, set[str], list[str]]:
    """Import the file, then sync: the report, the sync's note, the members whose keys were
    not compared (`unverified_members`), and the ids of the changes set aside here that the
    file held (an entry or a result of a journal gone from the server, exported from its
    read-only copy here) and the import wrote again."""
    # What the account's other devices wrote must be here to be recognised as already here
    # (an export of the phone imported on a laptop that has not synced since).
    await synced_first(client, "comparing the file with")
    if before is not None:  # what it made is named if interrupted (`made_since`)
        before.update(j.id for j in await client.journals.list())
    with ImportBar() as bar:
        if source == "dayone":
            report = await client.archive.import_dayone(data, journal=journal, progress=bar)
        elif source == "daylio":
            report = await client.archive.import_daylio(
                text, journal=journal, moods=moods, progress=bar
            )
        else:
            report = await client.archive.import_json(
                data, into=journal, fold_into_shared=fold, progress=bar
            )
    with ProgressBar() as sync_bar:  # a large import may wait for the server's upload limit
        note = await sync_note(client, UPLOAD_WAIT_S, sync_bar)
    written = {*report.entries, *report.results}
    copied = [c.doc_id for c in await client.set_aside() if c.doc_id in written]
    return report, note, await unverified_members(client, report), sorted(set(copied))


async def unverified_members(client: Client, report: ImportReport) -> set[str]:
    """The members the file's safety flags reached (`ImportReport.flags_not_carried`) whose
    keys this account has not compared (a share with them needs `--fingerprint`); one that
    cannot be checked now (offline) is counted so too."""
    from client_sdk import TJError

    found: set[str] = set()
    for member in {m for members in report.flags_not_carried.values() for m in members}:
        try:
            await client.shares.check_keys_known(member)
        except TJError:
            found.add(member)
    return found


KIND_WORDS = {
    "entries": ("entry", "entries"),
    "goals": ("goal", "goals"),
    "notes": ("note", "notes"),
    "results": ("questionnaire result", "questionnaire results"),
    "safety_plans": ("safety plan", "safety plans"),
}
CARE_WORDS = {
    "results": ("questionnaire result", "questionnaire results"),
    "homework": ("homework entry", "homework entries"),
    "assignments": ("assignment", "assignments"),
    "safety_plans": ("safety plan", "safety plans"),
    "safety_flags": ("safety flag", "safety flags"),
    "private_notes": ("private note", "private notes"),
}


def import_summary(
    report: ImportReport, source: str = "tj", unverified: Collection[str] = (), file: str = "FILE"
) -> str:
    """One sentence: what was imported, by kind, and what was skipped and why. Day One and
    Daylio files hold entries only, so their summary does not mention goals and notes. An
    import that added nothing says so first, "Nothing new to import: 5 entries already here."
    (NU32 #11: "imported 0 entries, 0 goals and 0 notes into 2 journals; ..."); every count
    is worded in the singular or the plural, never "note(s)", and a kind none of is imported
    is not named ("0 notes": NU49 F3); it starts with a capital letter and ends with a full
    stop, as every other message (NU48 #5). It counts the journals written into, not the
    file's; the journal the user named (`--journal`) is named with who else reads it, by its
    verified chain. A journal whose opt-in to safety flags was not carried over gets a line
    of its own after it (`flags_not_carried_text`), and so do questionnaire results and a
    plan the import put beside the default journal (`care_apart_text`, which names `file`
    in the command that imports it again)."""
    plural = output.plural
    entries = plural(len(report.entries), "entry", "entries")
    journals = plural(len(set(report.journals.values())), "journal", "journals")
    if report.into:
        journals = f"{output.quoted(report.into)} ({readers_words(report.into_readers)})"
    if report.trashed:
        entries += f" ({report.trashed} into the trash)"
    care = bool(report.results or report.safety_plans)
    imported = care or bool(
        report.entries or report.goals or report.notes or report.created_journals
    )
    parts = []
    if imported:  # the kinds imported, none counted as 0 (NU49 F3)
        kinds = [entries] if report.entries else []
        if report.goals:
            goals = plural(len(report.goals), "goal", "goals")
            if report.checkins:
                goals += f" with {plural(report.checkins, 'check-in', 'check-ins')}"
            kinds.append(goals)
        if report.notes:
            kinds.append(plural(len(report.notes), "note", "notes"))
        if report.results:
            kinds.append(plural(len(report.results), *KIND_WORDS["results"]))
        if report.safety_plans:
            kinds.append(plural(len(report.safety_plans), *KIND_WORDS["safety_plans"]))
        if kinds:  # the journals it created named (NU55 F10: "into 1 journal" said not which)
            named = [output.quoted(name) for name in report.created_journals]
            new = f" (new: {and_words(named)})" if named else ""
            parts.append(f"imported {and_words(kinds)} into {journals}{new}")
        else:  # only journals, empty ones, created
            created = report.created_journals
            empty = plural(len(created), "empty journal", "empty journals")
            parts.append(f"created {empty}: {and_words(created)}")
    parts += folded_words(report)  # the file's journals one journal now (NU72 F4)
    for copy, counts in report.also_in.items():  # never left only in a copy (it takes none)
        kinds = [plural(n, *KIND_WORDS[k]) for k, n in sorted(counts.items(), key=kind_order)]
        parts.append(
            f"{and_words(kinds)} of these {'was' if sum(counts.values()) == 1 else 'were'} "
            f"also in {output.quoted(copy)}, which takes no new writes, shares or syncs: "
            "imported into a live journal all the same"
        )
    if report.already_here:
        kinds = [
            plural(count, *KIND_WORDS[kind])
            for kind, count in sorted(report.already_here.items(), key=kind_order)
        ]
        held = held_words(report.held_in, report.held_in_trash)
        parts.append(f"{and_words(kinds)} already here{held}")
    if report.skipped_journals:
        shared = plural(len(report.skipped_journals), "shared journal", "shared journals")
        parts.append(f"skipped {shared}: {', '.join(report.skipped_journals)}")
    if report.trash_expired:
        old = plural(report.trash_expired, "entry", "entries")
        parts.append(f"left out {old} in the trash for 30 days or more")
    if report.skipped_notes:
        parts.append(f"skipped {plural(report.skipped_notes, 'therapist note', 'therapist notes')}")
    left = [
        plural(report.left_out[kind], *words)
        for kind, words in CARE_WORDS.items()
        if report.left_out.get(kind)
    ]
    if left:
        parts.append(f"not imported (they stay in the file): {and_words(left)}")
    if report.safety_plans_kept:  # never overwritten: the user decides (NU48 #3)
        names = and_words(report.safety_plans_kept)
        parts.append(
            f"kept the safety plan you wrote here in {names}: the file's differs and stays "
            f'in the file ("safety_plans"; {output.command_text("tj safety plan")} shows yours)'
        )
    parts += plans_shown_words(report)  # a plan of text alone too (fix29d)
    parts += plans_alone_words(report)  # never taken for the default journal's (rev29a F1)
    parts += shown_words("emergency number", report.emergency_numbers_imported)  # check it
    parts += no_longer_shown_words(report)  # what the person relied on, gone from it
    parts += shown_words("crisis line", report.crisis_lines_imported)  # REV-S10B F3: check it
    for name, member in report.crisis_lines_kept.items():  # REV-S10 S10-3
        parts.append(
            f"kept the crisis line {member} set in {name} in force: the file's differs and "
            "stays in the file (yours would replace theirs in the safety message; "
            f"{output.command_text('tj safety plan --crisis-line')} sets it)"
        )
    copies = {(c["journal"], c["restored_into"]) for c in report.old_copies}
    for name, into in report.imported_as.items():  # never into an existing journal
        if (name, into) in copies:  # the name is its own old copy's: said below (NU72 F6)
            continue
        if name in report.id_starts:  # fix31e: as a name it would name neither journal
            parts.append(
                f"the file's {output.quoted(name)} went into a new journal, {output.quoted(into)}: "
                f"{output.quoted(name)} starts the id of a journal on this device, so as a name "
                "it would name neither journal wherever you typed it"
            )
            continue
        parts.append(
            f"the file's {output.quoted(name)} went into a new journal, {output.quoted(into)}: you have "
            f"a journal named {output.quoted(name)} already, and an import writes into an existing "
            f"journal only when you name it ({output.command_text('tj import FILE --journal NAME')}, "
            f"once {output.quoted(into)} is deleted: what a journal holds counts as already here)"
        )
    parts += [old_copy_words(copy) for copy in report.old_copies]
    if report.archived:
        parts.append(f"archived again as exported: {', '.join(report.archived)}")
    if report.not_archived:
        one = len(report.not_archived) == 1
        commands = ", ".join(
            output.command(["tj", "journal", "archive", output.journal_word(name)])
            for name in report.not_archived
        )
        parts.append(
            f"{and_words(report.not_archived)} {'was' if one else 'were'} archived when "
            f"exported: archive {'it' if one else 'them'} when online ({commands})"
        )
    flags = "".join(
        f"\n{flags_not_carried_text(j, m, unverified, report)}"
        for j, m in report.flags_not_carried.items()
    )
    if report.care_apart:
        flags += f"\n{care_apart_text(report, file)}"
    if imported:
        return output.sentence("; ".join(parts)) + flags
    if parts:
        return output.sentence(f"nothing new to import: {'; '.join(parts)}") + flags
    held = "entries, goals or notes" if source == "tj" else "entries"
    return output.sentence(f"nothing to import: the file holds no {held}") + flags


def old_copy_words(copy: dict[str, Any]) -> str:
    """What an import says of the read-only copy on this device of a journal of the file it
    restored (`ImportReport.old_copies`, NU72 F6: it called it only "a journal named
    'Dreams'", and every list showed each entry twice with no next step): that it is the old
    copy of the journal just restored, left by its deletion elsewhere, and the command that
    removes it, by its id; or, when it holds what no live journal does, that too."""
    from client_sdk.models import ID_SHOWN  # not at start-up

    ident = copy["journal_id"][:ID_SHOWN]
    name, into = output.quoted(copy["journal"]), output.quoted(copy["restored_into"])
    delete = output.command(["tj", "journal", "delete", ident])
    restored = "restored now into" if copy.get("restored_now", True) else "restored earlier into"
    said = (
        f"{name} ({ident}) here is the read-only copy of the file's {name} itself, left by its "
        f"deletion on another device, {restored} {into}: "
    )
    missing = copy["not_restored"]
    if not missing:
        return (
            said
            + f"all it holds is there too, so lists show it twice until you delete the copy: {delete}"
        )
    items = output.plural(missing, "item", "items")
    export = output.command(["tj", "export", "--journal", ident, "--out", "DIR"])
    return said + (
        f"it also holds {items} that no live journal here holds (the file did not), so keep "
        f"{'it' if missing == 1 else 'them'} with {export} before you delete the copy "
        f"({delete}); until then, lists show the rest twice"
    )


def folded_words(report: ImportReport) -> list[str]:
    """What an import into a journal the user named (`--journal`) says when it folded into it
    a journal of the file of another name (`ImportReport.folded_in`): each of the file's
    journals written there, with what came of it, and that they are one journal now, whose
    readers (named before) read all of it; with results of several, that they are one series
    (a new result's change compares with the last of either). Nothing otherwise."""
    into = report.into
    folded = report.folded_in
    if not into or all(name.casefold() == into.casefold() for name in folded):
        return []
    plural = output.plural
    listed = and_words(
        [
            f"{output.quoted(name)} ({and_words([plural(n, *KIND_WORDS[k]) for k, n in sorted(kinds.items(), key=kind_order)])})"
            for name, kinds in folded.items()
        ]
    )
    series = sum(1 for kinds in folded.values() if kinds.get("results")) > 1
    return [
        f"from the file's {listed}, all in {output.quoted(into)} now"
        + (", its questionnaire results one series" if series else "")
    ]


def plans_shown_words(report: ImportReport) -> list[str]:
    """What an import says of each journal whose safety message now shows a plan it wrote
    (`ImportReport.plans_shown`: one without a plan of its own shows the default journal's,
    so a plan imported into the default journal, be it text alone, reaches their messages
    too): one clause per plan, naming the journals whose message shows it, the file's journal it came from and
    the journal here that holds it, so the person checks it."""
    plans: dict[tuple[str, str], list[str]] = {}
    for name, shown in report.plans_shown.items():
        plans.setdefault((shown["journal"], shown["file_journal"]), []).append(name)
    said = []
    for (holder, file_journal), names in plans.items():
        held = "" if names == [holder] else f", now in {output.quoted(holder)}"
        said.append(
            f"the safety message for {and_words(names)} now shows the safety plan imported "
            f"from the file's {output.quoted(file_journal)}{held} (check it with "
            f"{check_command(holder)})"
        )
    return said


def plans_alone_words(report: ImportReport) -> list[str]:
    """What an import says of each journal, not the default one, it wrote a safety plan into
    (`ImportReport.plans_alone`): that plan is shown for that journal alone, as a journal
    with no plan of its own shows only the default journal's; with the commands that show it
    and write it into the default journal, or, with none here that takes writes, the one
    that makes it the default."""
    said = []
    for name, default in report.plans_alone.items():
        here, word = output.quoted(name), output.journal_word(name)
        if default is None:
            made = output.command(["tj", "journal", "default", word])
            use = (
                "a journal with no plan of its own shows only the plan of your default journal, "
                "and your default journal is not on this device as one you can write in "
                f"({made} makes {here} your default)"
            )
        else:
            show = check_command(name)
            copy = output.command(
                ["tj", "safety", "plan", "--journal", output.journal_word(default)]
                + ["--copy-from", word]
            )
            use = (
                f"the safety message of your default journal, {output.quoted(default)}, where "
                "new questionnaire results go, and of every journal with no plan of its own, "
                f"shows only the plan of {output.quoted(default)}, never this one; {copy} copies it "
                f"into {output.quoted(default)} ({show} shows it)"
            )
        said.append(f"the safety plan imported into {here} is shown for that journal alone: {use}")
    return said


def no_longer_shown_words(report: ImportReport) -> list[str]:
    """What an import says of each journal whose safety message no longer shows an emergency
    number or crisis line it showed before (`ImportReport.no_longer_shown`): the plan it
    showed gave way to one the import wrote. Each value named, so nothing the person relied on
    leaves their message unsaid."""
    words = {"emergency_number": "the emergency number", "crisis_line": "the crisis line"}
    return [
        f"the safety message for {name} no longer shows "
        + " nor ".join(f"{words[key]} {output.quoted(value)}" for key, value in gone.items())
        + " it showed before this import"
        for name, gone in report.no_longer_shown.items()
    ]


def shown_words(what: str, shown: dict[str, str]) -> list[str]:
    """What an import says of the `what` ("emergency number", "crisis line") the safety
    message shows now from the file (`ImportReport.emergency_numbers_imported`,
    `crisis_lines_imported`: every journal whose message shows it, one without a plan of
    its own included): one clause per value, naming each journal, so the person checks it
    where the message shows it."""
    journals: dict[str, list[str]] = {}
    for name, value in shown.items():
        journals.setdefault(value, []).append(name)
    return [
        f"the {what} the safety message shows for {and_words(names)} is now the file's, "
        f"{output.quoted(value)} (check it with {check_command(names[0])})"
        for value, names in journals.items()
    ]


def check_command(journal: str) -> str:
    """`tj safety plan --journal JOURNAL`, in backticks: the command an import names to check
    a plan where the safety message shows it, never the default journal's by omission (NU74
    F2: a plan put in "Personal (imported)" was to be checked with a bare `tj safety
    plan`, which shows the default journal's)."""
    return output.command(["tj", "safety", "plan", "--journal", output.journal_word(journal)])


def readers_words(readers: list[str]) -> str:
    """Who else reads a journal, as its verified chain names them: "read by drjones", "read
    by no one else"."""
    return f"read by {and_words(readers)}" if readers else "read by no one else"


def care_apart_text(report: ImportReport, file: str = "FILE") -> str:
    """What an import says when the questionnaire results or safety plan it restored went into
    a journal it made while new results go to the default journal, which does not hold them
    (`ImportReport.care_apart`): a new result there would show no previous score, change or
    baseline from them. With the two ways to keep them together: that journal made the
    default on this device (saying that new results and flags would then no longer reach
    the default journal's readers, NU72 F3), or an import into the default journal
    (`--journal`, naming who reads it) once the journal made is deleted."""
    apart = report.care_apart
    default = report.default_journal
    named = and_words([output.quoted(name) for name in apart])
    kept = (
        output.command(["tj", "journal", "default", output.journal_word(apart[0])])
        if len(apart) == 1
        else output.command_text("tj journal default NAME")
    )
    delete = " and ".join(
        output.command(["tj", "journal", "delete", output.journal_word(name)]) for name in apart
    )
    again = output.command(
        ["tj", "import", file if output.pasteable(file) else "FILE", "--journal"]
        + [output.journal_word(default)]
    )
    # A default moved away from its readers takes new results from those they reach (not a
    # field-level copy without scores), and safety flags from those flags reach now (the
    # owner's signed opt-in), never from every reader.
    results, flags = report.default_result_readers, report.default_flag_readers
    if not results:
        moved = ""
    elif flags == results:
        moved = (
            f" (new results and their safety flags would then no longer reach "
            f"{and_words(results)}, who read {output.quoted(default)})"
        )
    else:
        reach = (
            f"and their safety flags would no longer reach {and_words(flags)}"
            if flags
            else "safety flags from it reach no one now"
        )
        moved = (
            f" (new results would then no longer reach {and_words(results)}, who read "
            f"{output.quoted(default)}; {reach})"
        )
    return output.sentence(
        f"continuity of care: your default journal, {output.quoted(default)}, where new "
        f"questionnaire results go ({output.command_text('tj measure take')}) and "
        f"{output.command_text('tj safety plan')} reads, does not hold what was imported into "
        f"{named}, so a new result there shows no previous score, change or baseline from "
        f"it. To keep them together, make {'it' if len(apart) == 1 else 'one of them'} your "
        f"default on this device ({kept}){moved}, or restore into {output.quoted(default)} "
        f"({readers_words(report.default_readers)}) instead: delete {named} ({delete}), then "
        f"import again with {again}"
    )


def held_words(
    held_in: dict[str, dict[str, int]], in_trash: dict[str, dict[str, int]] | None = None
) -> str:
    """Where the items already here are held (`ImportReport.held_in`, `held_in_trash`): " (in
    'Work')" for one journal, " (in the trash of 'Work'; `tj trash` lists it, `tj restore ID`
    brings it back)" for its trash, " (1 entry in 'Work', 1 questionnaire result in
    'Therapy')" for several; "" when none is named."""
    places = {output.quoted(name): kinds for name, kinds in held_in.items()}
    trash = {f"the trash of {output.quoted(name)}": k for name, k in (in_trash or {}).items()}
    places.update(trash)
    hint = ""
    if trash:
        it = "it" if sum(n for kinds in trash.values() for n in kinds.values()) == 1 else "them"
        hint = (
            f"; {output.command_text('tj trash')} lists {it}, "
            f"{output.command_text('tj restore ID')} brings {it} back"
        )
    if len(places) == 1:
        return f" (in {next(iter(places))}{hint})"
    said = [
        f"{and_words([output.plural(n, *KIND_WORDS[k]) for k, n in sorted(kinds.items(), key=kind_order)])} "
        f"in {place}"
        for place, kinds in places.items()
    ]
    return f" ({', '.join(said)}{hint})" if said else ""


def flags_not_carried_text(
    journal: str,
    members: list[str],
    unverified: Collection[str] = (),
    report: ImportReport | None = None,
) -> str:
    """What an import says of a journal whose plan in the file opted in to safety flags
    (`ImportReport.flags_not_carried`): the opt-in is not carried over, so flags reach no
    one the file's reached until the person opts in again, with the command that does it
    (NU49 F2: it was dropped without a word, on the safety path); for a member of
    `unverified` (one whose fingerprint this account has not compared: a new account's), the
    command carries `--fingerprint FINGERPRINT`, to compare in person first (NU62 F20: it was
    refused as printed). The file's journal is named by its name in the file
    (`ImportReport.flags_file_journals`). When `journal` is not the default journal here
    (`ImportReport.flags_default`), where a new questionnaire and its safety flag go, the
    opt-in it gives is the default journal's, saying whether flags from it reach them now,
    and that an opt-in on `journal` covers only results taken there (nu76 F1: the import's
    command opted in 'Personal (imported)' and the next PHQ-9 item 9 = 2, in 'Personal',
    reached no one)."""
    file_name = report.flags_file_journals.get(journal, journal) if report else journal
    default = report.flags_default if report else ""
    reach = set(report.flags_default_reach) if report else set()
    apart = bool(default) and default.casefold() != journal.casefold()
    said = "an import never turns that on (it never sends safety flags to anyone)"
    if not members:
        head = (
            f"Safety flags: on in the file's plan for {file_name}, and not turned on by the "
            "import (an import never sends safety flags to anyone): "
        )
        if not apart:
            return (
                head
                + "no flag is sent from this account until you opt in again: "
                + opt_in_plan(journal)
                + " (once you share it with your therapist)."
            )
        now = (
            f"reach {and_words(sorted(reach))} now"
            if reach
            else f"reach no one now; to opt in there: {opt_in_plan(default)} (once you share "
            "it with your therapist)"
        )
        return (
            head + f"a new questionnaire ({output.command_text('tj measure take')}) goes to your "
            f"default journal, {output.quoted(default)}, whose safety flags {now}. "
            + only_there(journal, opt_in_plan(journal))
            + "."
        )
    compare = (
        " (FINGERPRINT: theirs, compared in person first; they read it from "
        f"{output.their_command_text('tj fingerprint')} on their own device)"
        if any(m in unverified for m in members)
        else ""
    )
    who = "them" if len(members) > 1 else members[0]
    head = f"Safety flags: in the file, flags of {file_name} reached {and_words(members)}; {said}"
    if not apart:
        return (
            f"{head}, so no flag reaches {who} from this account until you opt in again: "
            f"{opt_in_shares(journal, members, unverified)}{compare}."
        )
    missing = [m for m in members if m not in reach]
    there = only_there(journal, opt_in_shares(journal, members, unverified))
    if not missing:
        return (
            f"{head}. A new questionnaire ({output.command_text('tj measure take')}) goes to "
            f"your default journal, {output.quoted(default)}, whose safety flags reach "
            f"{and_words(members)} already. {there}{compare}."
        )
    readers = set(report.flags_default_readers) if report else set()
    reading = [m for m in missing if m in readers]  # opting in there shares nothing more
    strangers = [m for m in missing if m not in readers]
    take = (
        f"{head}. A new questionnaire ({output.command_text('tj measure take')}) goes to your "
        f"default journal, {output.quoted(default)}, and no safety flag from it reaches "
        f"{and_words(missing)}"
    )
    if not strangers:
        return (
            f"{take} until you opt in there: {opt_in_shares(default, reading, unverified)}"
            f"{compare}. {there}."
        )
    # rev30c F2: opting in there first shares the whole default journal with someone who
    # never read it: the narrower way (the file's journal) first, and that cost said in
    # words before its command, which asks before it shares
    who_not = and_words(strangers)
    many = len(strangers) > 1
    asks = "each asks first" if many else "which asks first"
    readers_too = (  # those who read it already: nothing more shared, nothing asked
        f"; for {and_words(reading)}, who {'read' if len(reading) > 1 else 'reads'} it "
        f"already: {opt_in_shares(default, reading, unverified)}"
        if reading
        else ""
    )
    return (
        f"{take}: {who_not} {'do' if many else 'does'} not read "
        f"{output.quoted(default)}. {there}{compare}. Opting "
        f"{'them' if len(missing) > 1 else who_not} in on {output.quoted(default)} instead "
        f"also shares it with {who_not}: {'they' if many else who_not} would read every "
        f"entry in {output.quoted(default)}, also what was written before "
        f"({opt_in_shares(default, strangers, unverified)}, {asks}){readers_too}."
    )


def opt_in_plan(journal: str) -> str:
    """The command that opts every annotating member of `journal` in to safety flags."""
    return output.command(
        ["tj", "safety", "plan", "--journal", output.journal_word(journal), "--share-flags"]
    )


def opt_in_shares(journal: str, members: list[str], unverified: Collection[str]) -> str:
    """The commands that share `journal` with each of `members` and opt them in to safety
    flags (`--fingerprint FINGERPRINT` for a member of `unverified`)."""
    return ", ".join(
        output.command(
            ["tj", "share", output.journal_word(journal), m, "--role", "annotate"]
            + ["--safety-flags"]
            + (["--fingerprint", "FINGERPRINT"] if m in unverified else [])
        )
        for m in members
    )


def only_there(journal: str, commands: str) -> str:
    """That an opt-in on `journal` (`commands`), not the default journal, covers only the
    questionnaires taken there, by name or once it is the default on this device."""
    word = output.journal_word(journal)
    take = output.command(["tj", "measure", "take", "phq9", "--journal", word])
    default = output.command(["tj", "journal", "default", word])
    return (
        f"An opt-in on {output.quoted(journal)} ({commands}) covers only the questionnaires "
        f"taken there: by name ({take}), or every new one once {default} makes it your "
        "default journal on this device"
    )


def kind_order(item: tuple[str, int]) -> int:
    return list(KIND_WORDS).index(item[0])


class ImportBar:
    """A progress bar on stderr that appears only once an import has run for BAR_AFTER_S."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            if time.monotonic() - self._started < BAR_AFTER_S:
                return
            console = Console(stderr=True)
            self._progress = Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
                transient=True,
                disable=not console.is_interactive,  # as the sync bar (NU47 #3)
            )
            self._progress.start()
            self._task = self._progress.add_task("importing", total=total)
        assert self._task is not None
        self._progress.update(self._task, completed=done)

    def __enter__(self) -> ImportBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
