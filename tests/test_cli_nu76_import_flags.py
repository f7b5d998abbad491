"""nu76 F1 (safety item 9): after a plain import the summary's safety-flag line names the
journal a new questionnaire goes to (the default journal), whether flags from it reach the
file's members, and the command that makes them reach them; the file's journal is named by
its name in the file. Run as printed, the next PHQ-9 item 9 = 2 reaches the therapist (it
opted in 'Personal (imported)' and the flag reached no one). Real server on loopback,
CliRunner."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.conftest import RunningServer
from tests.test_cli_insights import new_device


def said(text: str) -> str:
    return " ".join(text.split())


async def test_plain_import_advises_the_opt_in_of_the_default_journal_and_it_reaches(
    live_server: RunningServer, tmp_path: Path
) -> None:
    ana = await new_device(live_server, tmp_path, "ana")
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    fingerprint = drsmith.signup["fingerprint"]
    await ana.ok("write", "A day.")
    await ana.ok(
        "share", "Personal", "drsmith", "--role", "annotate", "--safety-flags",
        "--fingerprint", fingerprint, "--yes",
    )  # fmt: skip
    path = (await ana.ok("export", "--out", str(tmp_path / "out"))).stdout.strip()

    new = await new_device(live_server, tmp_path, "ana2")
    report = await new.json("import", path)
    assert report["flags_not_carried"] == {"Personal (imported)": ["drsmith"]}, report
    assert report["flags_file_journals"] == {"Personal (imported)": "Personal"}
    assert report["flags_default"] == "Personal" and report["flags_default_reach"] == []

    new2 = await new_device(live_server, tmp_path, "ana3")
    printed = (await new2.ok("import", path)).stdout
    line = said(printed.split("\nSafety flags: ", 1)[1].split("\nContinuity", 1)[0])
    assert line.startswith(
        "in the file, flags of Personal reached drsmith; an import never turns that on (it "
        "never sends safety flags to anyone). A new questionnaire (`tj measure take`) goes to "
        "your default journal, 'Personal', and no safety flag from it reaches drsmith: "
        "drsmith does not read 'Personal'."
    ), line
    # rev30c F2: opting in there shares the whole default journal, said before its command
    assert (
        "Opting drsmith in on 'Personal' instead also shares it with drsmith: drsmith would "
        "read every entry in 'Personal', also what was written before (`tj share Personal "
        "drsmith --role annotate --safety-flags --fingerprint FINGERPRINT`, which asks first)"
    ) in line, line
    assert "flags of Personal (imported) reached" not in line, line
    assert (
        "An opt-in on 'Personal (imported)' (`tj share 'Personal (imported)' drsmith --role "
        "annotate --safety-flags --fingerprint FINGERPRINT`) covers only the questionnaires "
        "taken there: by name (`tj measure take phq9 --journal 'Personal (imported)'`), or "
        "every new one once `tj journal default 'Personal (imported)'` makes it your default "
        "journal on this device"
    ) in line, line

    # the default journal's command, run as printed and agreed to, makes the next PHQ-9
    # item 9 = 2 reach drsmith
    first = next(c for c in re.findall(r"`([^`]*)`", line) if c.startswith("tj share Personal "))
    args = shlex.split(first.replace("FINGERPRINT", shlex.quote(fingerprint)))[1:]
    await new2.ok(*args, "--yes")
    taken = await new2.ok("measure", "take", "phq9", "--answers", "0,0,0,0,0,0,0,0,2")
    assert "made for drsmith" in taken.stderr, taken.stderr
    await drsmith.ok("sync")
    flags = (await drsmith.json("safety", "flags"))["flags"]
    assert [(f["answer"], f["owner"]) for f in flags] == [(2, "ana3")], flags


def test_a_file_opt_in_naming_no_one_advises_the_default_journal_too() -> None:
    """The file's plan opted in naming no one: the opt-in advised is the default journal's,
    said only while its flags reach no one; the imported journal's covers only its own."""
    from cli.export import flags_not_carried_text
    from cli.output import shown
    from client_sdk.portability import ImportReport

    report = ImportReport(
        flags_file_journals={"Personal (imported)": "Personal"}, flags_default="Personal"
    )
    text = said(shown(flags_not_carried_text("Personal (imported)", [], (), report)))
    assert text.startswith(
        "Safety flags: on in the file's plan for Personal, and not turned on by the import "
        "(an import never sends safety flags to anyone): a new questionnaire (`tj measure "
        "take`) goes to your default journal, 'Personal', whose safety flags reach no one "
        "now; to opt in there: `tj safety plan --journal Personal --share-flags` (once you "
        "share it with your therapist). An opt-in on 'Personal (imported)' (`tj safety plan "
        "--journal 'Personal (imported)' --share-flags`) covers only"
    ), text
    report.flags_default_reach = ["drsmith"]
    text = said(shown(flags_not_carried_text("Personal (imported)", [], (), report)))
    assert "whose safety flags reach drsmith now. An opt-in on" in text, text
    assert "--journal Personal --share-flags" not in text, text
