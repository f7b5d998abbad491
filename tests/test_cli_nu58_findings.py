"""Findings of a new user's review of `tj` (NU58), each through a real `tj` against a real
server on loopback: piped text in a home with no account, the examples of `--help`, the
command that saves a draft when the journal was refused, a sign-in over another account's
data, `tj account delete` with unsynced work, homework deleted while edited offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tests.client.hostile import HostileServer, hostile  # noqa: F401 (fixture)
from tests.conftest import RunningServer
from tests.test_cli import (  # noqa: F401 (fixtures)
    Device,
    Outage,
    laptop,
    outage,
    phone,
)
from tests.test_cli_insights import new_device
from tests.test_cli_nu56_findings import flat

HEX = re.compile(r"[0-9a-f]{32}")


async def test_piped_text_in_a_home_with_no_account_is_printed_back(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`echo text | tj --home EMPTY write --mood 55` printed only click's error: the piped
    text was lost. Without the bad option it was printed back, with a 32-hex token where
    the backticks of `tj logout` belonged, as "signed out meanwhile" in a home never signed
    in. Both print it back and say there is no account here."""
    (tmp_path / "empty").mkdir()
    for home in (tmp_path / "empty", tmp_path / "never"):
        device = Device(home, live_server.url)
        for given in (("--mood", "55"), ("--bogus",), ()):
            words = f"Words piped in {' '.join(given)}"
            done = await device.tj("write", *given, input=words + "\n")
            assert done.exit_code == (1 if not given else 2), done.output
            lines = done.stderr.splitlines()
            said = flat(done.stderr)
            assert (
                "The text you piped in was not saved (no account on this device, so it is "
                "not kept on it); here it is, as given:" in said
            ), (given, said)
            assert words in lines, (given, lines)
            assert "signed out" not in said and not HEX.search(said), (given, said)
            assert not (home / "drafts").exists() or not list((home / "drafts").iterdir())


def help_examples() -> list[list[str]]:
    """The words after `tj` of each example command printed under "Examples:" in a `--help`
    text of `tj` or any of its commands that starts with `tj` (a line ending in a backslash goes on on the next;
    a "# ..." comment left out)."""
    import shlex

    import click

    from cli.main import cli

    def walk(command: click.Command, context: click.Context) -> Iterator[click.Command]:
        yield command
        if isinstance(command, click.Group):
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None, name
                yield from walk(sub, click.Context(sub, info_name=name, parent=context))

    found = []
    for command in walk(cli, click.Context(cli, info_name="tj")):
        text = (command.help or "").split("Examples:", 1)
        if len(text) < 2:
            continue
        lines = text[1].split("\n\n", 1)[0].replace("\\\n", " ").splitlines()
        found += [shlex.split(line, comments=True) for line in lines if line.strip()]
    return [words[1:] for words in found if words and words[0] == "tj"]


async def test_the_homework_examples_of_help_run(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj homework edit --help` showed `--set pleasure=7 --set notes=`: no template has a
    field `notes`, so the example failed. Each `tj homework` example of a `--help` text
    runs as printed (its example ID standing for a homework of the template holding the
    fields it sets; one naming ana's journal run by her therapist); one the example cuts
    short ("...") or that asks each field is left out."""
    from client_sdk.templates import template

    ana = await new_device(live_server, tmp_path, "ana")
    examples = [words for words in help_examples() if words[0] == "homework"]
    assert ["homework", "edit", "3fa9c2", "--set", "pleasure=7", "--set", "mastery="] in examples
    kinds = [t["id"] for t in await ana.json("homework", "templates")]
    fields = {kind: {spec.id for spec in template(kind).fields} for kind in kinds}
    values = {
        "behavioural-activation": ["activity=Walk", "planned=yes", "done=yes", "pleasure=5"],
        "sleep-diary": ["bed_time=23:00", "try_sleep_time=23:10", "sleep_onset_minutes=10",
                        "awakenings=1", "awake_minutes=5", "final_wake_time=06:30",
                        "out_of_bed_time=06:45"],
    }  # fmt: skip

    async def made(kind: str) -> str:
        sets = [word for value in values[kind] for word in ("--set", value)]
        return str((await ana.json("homework", "add", kind, *sets))["id"][:12])

    kim = await new_device(live_server, tmp_path, "kim")
    await ana.ok("share", "Personal", "kim", "--role", "read", "--trust-on-first-use")
    await kim.ok("sync")
    ran = 0
    for words in examples:
        sets = [words[i + 1].split("=")[0] for i, word in enumerate(words) if word == "--set"]
        if "..." in words or (words[1] == "add" and not sets):
            continue
        if words[1] == "add":
            assert set(sets) <= fields[words[2]], (words, fields[words[2]])
        if "3fa9c2" in words:
            [kind] = [k for k in values if set(sets) <= fields[k]][:1] or [list(values)[0]]
            made_id = await made(kind)  # one each: a delete example deletes it
            words = [made_id if word == "3fa9c2" else word for word in words]
        theirs = words[words.index("--journal") + 1] == "ana" if "--journal" in words else False
        done = await (kim if theirs else ana).tj(*words, input="y\n")  # a question: yes
        assert done.exit_code == 0, (words, done.output)
        ran += 1
    assert ran >= 6, ran


def test_every_example_of_help_is_a_command_tj_reads() -> None:
    """Each example command of a `--help` text names commands and options `tj` has, with
    values its options take: parsed as `tj` parses it (a file it names need not exist here;
    a "(...)" remark after it and a command cut short, "...", or piped are left out)."""
    import click

    from cli.main import cli

    checked = 0
    for example in help_examples():
        words = list(example)
        remark = next((i for i, word in enumerate(words) if word.startswith("(")), None)
        words = words[:remark]
        if "..." in words or any(word in ("|", "&&", ";", ">", "<") for word in words):
            continue
        context = click.Context(cli, info_name="tj")
        command: click.Command = cli
        while words and words[0].startswith("-"):  # tj's own options
            words = words[2:] if words[0] in ("--home", "--password-file") else words[1:]
        while isinstance(command, click.Group) and words and not words[0].startswith("-"):
            sub = command.get_command(context, words[0])
            assert sub is not None, example
            context = click.Context(sub, info_name=words[0], parent=context)
            command, words = sub, words[1:]
        try:
            command.parse_args(context, words)
        except click.BadParameter as error:
            assert "does not exist" in str(error), (example, str(error))
        except click.UsageError as error:
            raise AssertionError((example, str(error))) from None
        checked += 1
    assert checked > 100, checked


async def test_the_command_saving_piped_text_leaves_out_the_journal_that_was_refused(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """Piped text refused for its `--journal` (no such journal, a journal shared read-only,
    an archived one) was kept with a command that "saves it" with that same `--journal`,
    refused again. The command said never repeats what would be refused: --journal NAME for
    the user to choose, or for an archived journal the unarchive to run first; and it never
    puts the text in the default journal by itself (NU72 F10: the draft keeps the journal it
    was written for). A refusal unrelated to the journal (`--mood 11`) asks for no journal:
    the command names the default journal the text was written for, by its id."""
    from tests.test_cli_cli16_findings import printed_save

    ana = await new_device(live_server, tmp_path, "ana")
    kim = await new_device(live_server, tmp_path, "kim")
    await ana.ok("share", "Personal", "kim", "--role", "read", "--trust-on-first-use")
    await kim.ok("sync")
    await ana.ok("journal", "create", "night dreams")
    await ana.ok("journal", "archive", "night dreams")
    for device, journal, why in (
        (ana, "Nope", "no journal named 'Nope'"),
        (kim, "ana/Personal", "shared with this account read-only"),
        (ana, "night dreams", "is archived"),
    ):
        words = f"Words for {journal}"
        refused = await device.tj("write", "--journal", journal, "--tag", "t", input=words)
        said = flat(refused.stderr)
        assert refused.exit_code != 0 and why in said, said
        save = printed_save(said)
        named = f"'{journal}'" if " " in journal else journal
        assert "saves it in your default journal" not in said, said
        if journal == "night dreams":  # by its id: a draft follows its journal (NU73 F1)
            [found] = [j["id"] for j in await ana.json("journal", "list") if j["name"] == journal]
            assert save[1:5] == ["--journal", str(found)[:12], "--tag", "t"], save
            assert (
                "saves it in 'night dreams' once you run `tj journal unarchive 'night dreams'` "
                "first; to save it in another journal, give that one after --journal instead"
                in said
            ), said
        else:
            assert save[1:5] == ["--journal", "NAME", "--tag", "t"], save
            assert (
                f"saves it in the journal NAME you choose; --journal {named} was refused" in said
            ), said
        save[2] = "Personal"  # the user names where it goes
        await device.ok(*save)
        assert words in [e["body"] for e in await device.json("list", "--journal", "Personal")]
    refused = await ana.tj("write", "--mood", "11", input="Other words")
    assert refused.exit_code == 2 and "kept in" in refused.stderr, refused.output
    # no journal to choose: the command names the default journal it was written for
    [default] = [j["id"][:12] for j in await ana.json("journal", "list") if j["name"] == "Personal"]
    assert "--journal NAME" not in refused.stderr, refused.stderr
    assert f"tj write --journal {default} --draft" in flat(refused.stderr), refused.stderr


async def test_a_sign_in_over_another_account_is_refused_before_any_secret_is_asked(
    live_server: RunningServer,
    hostile: HostileServer,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`tj login` and `tj recover` as ana on a home signed in to ben asked for the password
    (recover: the recovery key and a new password twice) and only then refused, naming no
    command and not warning that logging ben out deletes an entry ben never synced. They
    refuse before asking, name both ways out and count what a logout would lose; over
    ben's local data left without its profile, they refuse before asking too."""
    await new_device(live_server, tmp_path, "ana")
    ben = await new_device(live_server, tmp_path, "ben")
    await outage.begin()
    await ben.ok("write", "An entry ben never synced.")  # saved on this device only
    await outage.end()
    no_secret: dict[str, str | None] = {"TJ_PASSWORD": None}
    for verb in ("login", "recover"):
        refused = await ben.tj(verb, hostile.url, "ana", env=no_secret)
        said = flat(refused.stderr)
        assert refused.exit_code == 1, refused.output
        assert "no password given" not in said and "no recovery key" not in said, said
        assert said.startswith(
            f"Error: {ben.home} is signed in to the account ben, not ana: nothing was asked "
            "or sent."
        ), said
        assert f"`tj --home NEW_DIR {verb} {hostile.url} ana`" in said, said
        assert (
            "log ben out here with `tj sync`, then `tj logout`, which deletes ben's data on "
            "this device (1 item of ben's has changes that have not reached the server and "
            "would be lost)" in said
        ), said
    assert hostile.paths == [], hostile.paths
    await ben.ok("sync")
    refused = await ben.tj("login", hostile.url, "ana", env=no_secret)
    assert "(every change of ben's has reached the server)" in flat(refused.stderr)

    (ben.home / "profile").unlink()  # ben's data left without its profile
    for verb in ("login", "recover"):
        refused = await ben.tj(verb, hostile.url, "ana", env=no_secret)
        said = flat(refused.stderr)
        assert refused.exit_code == 1, refused.output
        assert "holds local data left without its profile" in said, said
    assert hostile.paths == [], hostile.paths


async def test_account_delete_warns_of_unsynced_work_and_never_says_another_device_has_it(
    live_server: RunningServer,
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
    tmp_path: Path,
) -> None:
    """`tj account delete` with an entry never synced said nothing of it, and that the phone
    "keeps its copy of your journals", which never held that entry. It counts what never
    reached the server, as `tj logout` does, and says the phone's copy is as it last
    synced, without those changes (asked, and with --yes). Counted after the sync the
    question runs first (NU74 F1): an entry that sync sent is no longer said to be lost."""
    await outage.begin()
    await laptop.ok("write", "An entry never synced.")
    await outage.end()
    sent = await laptop.tj("account", "delete", input="nobody\n")  # its sync sends it
    said = flat(sent.stderr)
    assert sent.exit_code == 1, said
    assert "have not reached the server" not in said, said
    assert "(phone) keeps its copy of your journals until you log out there" in said, said

    # a change the server refused for good (set aside): no sync sends it
    drsmith = await new_device(live_server, tmp_path, "drsmith")
    await laptop.ok("share", "Personal", "drsmith", "--role", "annotate", "--trust-on-first-use")
    await drsmith.ok("sync")
    await laptop.ok("unshare", "Personal", "drsmith", "--yes")
    refused = await drsmith.tj("note", "ana/Personal", "A note after the end")
    assert refused.exit_code == 4, refused.output
    assert len(await drsmith.json("set-aside", "list")) == 1
    other = Device(tmp_path / "drsmith-phone", live_server.url)
    await other.ok("login", live_server.url, "drsmith")
    for answer in ("nobody\n", None):
        if answer is None:
            done = await drsmith.tj("account", "delete", "--yes")
        else:
            done = await drsmith.tj("account", "delete", input=answer)  # not confirmed
            assert done.exit_code == 1, done.output
            assert "erasing the account deletes them for good" in flat(done.stderr)
        said = flat(done.stderr)
        assert "Changes to 1 note on this device ha" in said, said
        assert "reached the server: no other device has them" in said, said
        assert (
            "keeps its copy of your journals as it last synced it (without the changes above) "
            "until you log out there" in said
        ), said
    assert done.exit_code == 0, done.output
    assert "erasing the account deletes them for good" not in said, said
    assert "they are deleted with it" in said, said


async def test_homework_deleted_elsewhere_while_this_device_edited_it_is_told(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """The laptop edited homework offline (`--set done=yes`) while the phone deleted it: the
    laptop's sync said only "1 homework deleted on phone", nothing of its edit that went
    with it. It says so, once, as for a goal."""
    sets = ["--set", "activity=Walk", "--set", "planned=yes", "--set", "done=no"]
    made = await laptop.json("homework", "add", "behavioural-activation", *sets)
    homework = made["id"][:12]
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("homework", "edit", homework, "--set", "done=yes")
    await outage.end()
    await phone.ok("homework", "delete", homework, "--yes")
    synced = await laptop.ok("sync")
    said = flat(synced.output)
    assert f"Deleted: homework {homework}, changed on this device at" in said, said
    assert "was deleted on phone; this device's change went with it." in said, said
    report = await laptop.json("sync")
    assert report["overtaken"] == [], report  # told once


async def test_the_why_of_a_goal_deleted_elsewhere_while_edited_here_is_said(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """The laptop gave a goal a new why offline while the phone deleted the goal: the
    laptop's sync said its change went with the goal, and the why it wrote was nowhere.
    The sync line says it, as an entry's lost words are kept."""
    made = await laptop.ok("goal", "add", "Walk", "--measure", "4 sessions")
    goal = made.stdout.strip()[:12]
    await phone.ok("sync")
    await outage.begin()
    await laptop.ok("goal", "edit", goal, "--title", "Walk four times", "--why", "Helps my sleep")
    await outage.end()
    await phone.ok("goal", "delete", goal, "--yes")
    said = flat((await laptop.ok("sync")).output)
    assert f'Deleted: goal {goal} ("Walk four times"), changed on this device at' in said, said
    assert (
        "this device's change went with it. The why it gave the goal, on no other device, "
        "was: 'Helps my sleep'." in said
    ), said
    assert not (laptop.home / "drafts").exists() or not list((laptop.home / "drafts").iterdir())


async def test_write_with_no_text_suggests_the_mood_with_what_was_given(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """`tj write --mood 4 --emotion anxious </dev/null` suggested `tj mood N`, dropping the
    mood and the emotion given: the command it names keeps them, and saves them."""
    ana = await new_device(live_server, tmp_path, "ana")
    refused = await ana.tj(
        "write", "--mood", "4", "--emotion", "anxious", "--tag", "work", input=""
    )
    said = flat(refused.stderr)
    assert refused.exit_code == 2, refused.output
    found = re.search(r"a mood alone: `tj ([^`]*)`", said)
    assert found is not None, said
    assert found.group(1) == "mood 4 --emotion anxious --tag work", said
    await ana.ok(*found.group(1).split())
    [entry] = await ana.json("list")
    assert (entry["mood"], entry["emotions"], entry["tags"]) == (4, ["anxious"], ["work"])


async def test_recover_on_a_signed_in_home_says_its_earlier_session_is_not_this_device(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """`tj recover --sign-out-others` on the phone's own home said "Signed out 2 other
    devices: laptop, phone": the phone there is this home's earlier session, and read as
    this device being signed out. The recovery now ends the home's earlier session itself,
    as `tj login` does (NU62): only the laptop is left to sign out, and no "phone"."""
    done = await phone.ok(
        "recover", phone.url, "ana", "--sign-out-others",
        input=laptop.signup["recovery_key"] + "\n", env={"TJ_PASSWORD": "recovered secret"},
    )  # fmt: skip
    said = flat(done.stderr)
    assert "Signed out 1 other device: laptop." in said, said
    assert "phone (not this device" not in said, said
    assert "laptop (not this device" not in said, said
    assert [d["name"] for d in await phone.json("devices")] == ["phone"]


async def test_an_entry_from_a_device_signed_in_again_names_it(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
) -> None:
    """The phone, signed out from the laptop, wrote an entry, signed in again and sent it:
    the laptop's sync said "1 new entry from a device signed out since", though the phone
    is signed in. It names the phone; a device never signed in again is named with "signed
    out since"."""
    await laptop.ok("sync")  # told once of the phone's sign-in after the signup (nu86 F6)
    phone_id = next(d["id"] for d in await laptop.json("devices") if d["name"] == "phone")
    await laptop.ok("devices", "revoke", phone_id[:12], "--yes")
    await phone.tj("write", "Written while signed out.")  # kept here: the sync is refused
    await phone.ok("login", phone.url, "ana")  # sends it
    said = flat((await laptop.ok("sync")).output)
    assert "1 new entry from phone" in said, said
    assert "signed out since" not in said, said

    tablet = Device(laptop.home.parent / "tablet", laptop.url)
    await tablet.ok("login", laptop.url, "ana", "--device-name", "tablet")
    await laptop.ok("devices")  # the laptop knows the tablet by its name
    await tablet.ok("write", "Written on the tablet.")  # sent at once
    tablet_id = next(d["id"] for d in await laptop.json("devices") if d["name"] == "tablet")
    await laptop.ok("devices", "revoke", tablet_id[:12], "--yes")
    said = flat((await laptop.ok("sync")).output)
    assert "1 new entry from tablet, signed out since" in said, said


async def test_a_safety_plan_change_that_changed_nothing_here_is_not_told_as_an_update(
    laptop: Device,  # noqa: F811
    phone: Device,  # noqa: F811
    outage: Outage,  # noqa: F811
) -> None:
    """The laptop set the emergency number offline, the phone set another one, and the
    merge kept one of them everywhere (by the devices' order): the device whose value stood
    said "1 updated safety plan or safety-flag choice from ...", though nothing changed on
    it. It says the change from there changed nothing here; the other device, whose plan
    did change, is told of an update."""
    await laptop.ok("safety", "plan", "--emergency", "112")
    await phone.ok("sync")
    await phone.ok("safety", "plan")  # shown here: a change written over it is the user's
    await phone.ok("safety", "plan", "--emergency", "000")  # sent; the laptop has not synced
    await outage.begin()
    await laptop.ok("safety", "plan", "--emergency", "911")
    # each plan as it is before the syncs (a read syncs first, here in vain)
    plans = {device.home: (await device.ok("safety", "plan")).stdout for device in (laptop, phone)}
    await outage.end()
    stood = 0
    for device, other in ((laptop, "phone"), (phone, "laptop")):
        before = plans[device.home]
        said = flat((await device.ok("sync")).output)
        after = (await device.ok("safety", "plan")).stdout
        kept = re.compile(
            f"(on your {other}: )?1 safety plan or safety-flag choice (from {other} )?changed "
            r"nothing here \(this device's values stood\)"
        )
        updated = re.compile(
            f"(on your {other}: )?1 updated safety plan or safety-flag choice( from {other})?"
        )
        if before == after:
            stood += 1
            assert kept.search(said) and not updated.search(said), said
        else:
            assert updated.search(said) and not kept.search(said), said
    assert stood == 1, stood
