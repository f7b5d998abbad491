"""Everyday leftovers of new users' reviews of `tj` (real server on loopback, real CLI): a
first sync that did not finish well, a refused piped text, excerpts cut inside a grapheme
cluster, text arguments with a BOM or CRLF, what `tj shared-with-me` says after a forget,
and an ended share's entries in `tj list` and `tj search`."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PASSWORD, RunningServer
from tests.test_cli import Device, laptop, run_tj, succeeded  # noqa: F401 (fixtures)
from tests.test_cli_insights import new_device
from tests.test_cli_withholding import WITHHELD_EXIT, drop_second_record

WIDE: dict[str, str | None] = {"COLUMNS": "200"}  # one line per table row


async def test_login_whose_first_sync_finds_records_withheld_says_so_and_exits_as_sync_does(
    laptop: Device,  # noqa: F811
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """`tj login` whose first sync found records withheld said "Synced: ..." alone and exited
    0: it warns as `tj sync` does, ends with a line saying the sign-in stands but the sync is
    not complete and the `tj sync` to run, and exits with `tj sync`'s status 3."""
    for text in ("one", "two", "three"):
        await laptop.ok("write", text)
    drop_second_record(live_server)
    phone = Device(tmp_path / "phone", live_server.url)
    result = await phone.tj("login", live_server.url, "ana", "--device-name", "phone")
    assert result.exit_code == WITHHELD_EXIT, result.output
    assert "Warning: the server is withholding records" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "Signed in as ana on this device, but its first sync is not complete: the server did "
        f"not send every record (see the warning above); run `{phone.command} sync` again later."
    ), last
    assert (await phone.json("whoami"))["username"] == "ana"  # signed in, as said
    assert (await phone.tj("sync")).exit_code == WITHHELD_EXIT  # as `tj sync` says it


async def test_recover_whose_first_sync_finds_records_withheld_exits_as_login_does(
    laptop: Device,  # noqa: F811
    live_server: RunningServer,
    tmp_path: Path,
) -> None:
    """`tj recover` signs a device in as `tj login` does: its first sync that failed or found
    records withheld said so in passing and exited 0; it exits as `tj login` does."""
    for text in ("one", "two", "three"):
        await laptop.ok("write", text)
    drop_second_record(live_server)
    phone = Device(tmp_path / "phone", live_server.url)
    result = await phone.tj(
        "recover", live_server.url, "ana", "--device-name", "phone", "--sign-out-others",
        env={"TJ_RECOVERY_KEY": laptop.signup["recovery_key"], "TJ_NEW_PASSWORD": PASSWORD + "x"},
    )  # fmt: skip
    assert result.exit_code == WITHHELD_EXIT, result.output
    assert "Warning: the server is withholding records" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Signed in as ana on this device, but its first sync is not complete")
    assert last.endswith(f"run `{phone.command} sync` again later."), last


FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one cluster, 7 code points
E_ACUTE = "e\u0301"  # "é" as a letter and its combining accent: one cluster, 2 code points


async def test_a_search_excerpt_is_never_cut_inside_a_grapheme_cluster(
    laptop: Device,  # noqa: F811
) -> None:
    """`tj search`'s excerpt of a long text was cut by code points where no space was near:
    it began with the end of a family emoji ("👧‍👦") and could end between a letter and its
    accent. It is cut between grapheme clusters, on both sides."""
    body = FAMILY * 40 + " needle " + E_ACUTE * 100
    await laptop.ok("write", body)
    [hit] = await laptop.json("search", "needle")
    snippet = hit["snippet"]
    assert snippet.startswith("…") and snippet.endswith("…"), snippet
    inner = snippet[1:-1]
    assert inner in body and body.index(inner) % len(FAMILY) == 0, snippet  # whole families
    assert inner.startswith(FAMILY) and inner.endswith(E_ACUTE), snippet
    assert f"…{FAMILY}" in (await laptop.ok("search", "needle")).stdout  # the table's too


async def test_every_text_argument_is_cleaned_of_a_bom_and_crlf_as_piped_text_is(
    laptop: Device,  # noqa: F811
) -> None:
    """A name, a journal, a device name given as `"$(cat name.txt)"` from a Windows file
    kept its byte order mark (a journal named "\\ufeffDreams", shown `$'\\ufeffDreams'`,
    that "Dreams" did not find) while a title, a tag and an entry's text were cleaned: every
    text argument of every command is made plain as piped text is, by one parameter type,
    an `--option=VALUE`'s value too."""
    windows = "\ufeffDreams\r"  # "$(cat name.txt)": the shell drops the LF, not the CR
    created = await laptop.ok("journal", "create", windows)
    assert "$'" not in created.stderr, created.stderr
    names = [j["name"] for j in await laptop.json("journal", "list")]
    assert "Dreams" in names and not any("\ufeff" in n or "\r" in n for n in names), names
    entry = (
        await laptop.ok("write", "--journal", windows, "--title=\ufeffNight\r", "one\r\ntwo\r")
    ).stdout.strip()
    shown = await laptop.json("show", entry)
    assert (shown["journal"], shown["title"], shown["body"]) == ("Dreams", "Night", "one\ntwo")
    await laptop.ok("devices", "rename", "\ufeffold laptop\r\n")
    [me] = [d for d in await laptop.json("devices") if d["current"]]
    assert me["name"] == "old laptop", me


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_a_left_share_is_marked_in_list_and_search_as_journal_list_names_it(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """An ended share's entries in `tj list` and `tj search` must carry the mark `tj journal
    list` gives the copy: after drlee left ana's journal, `tj journal list` said "share ended
    (read-only copy)" while `tj search` said "(no longer served)", the words for a journal
    the server alone stopped serving, and `tj list` the same."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("write", "--tag", "sleep", "Shared words.")
    await ana.ok("share", "Personal", "drlee", "--role", "read", "--trust-on-first-use")
    await drlee.ok("sync")
    await drlee.ok("write", "--tag", "sleep", "My own words.")
    await drlee.ok("leave", "ana/Personal", "--yes")
    [copy] = [j for j in await drlee.json("journal", "list") if not j["own"]]
    assert (copy["share_ended"], copy["unlisted"]) == (True, False), copy
    assert "share ended (read-only copy)" in flat((await drlee.ok("journal", "list")).stdout)
    for command in (("list",), ("search", "words")):
        shown = flat((await drlee.ok(*command, env=WIDE)).stdout)
        assert "ana/Personal (share ended)" in shown, (command, shown)
        assert "no longer served" not in shown, (command, shown)
        assert "Personal My own words." in shown, (command, shown)  # one's own: unmarked


async def test_after_a_forget_shared_with_me_says_nothing_is_shared_now_and_forget_names_one_name(
    live_server: RunningServer, tmp_path: Path
) -> None:
    """After a share ended and its copy was forgotten, `tj shared-with-me` said "Nothing is
    shared with you yet.", as to a new user; it says nothing is shared now. And `tj forget
    ana/Personal` of a copy no longer served quoted 'ana/Personal' as typed, then printed
    the command naming it 'ana (account ...)/Personal': it names it one way."""
    ana = await new_device(live_server, tmp_path, "ana")
    drlee = await new_device(live_server, tmp_path, "drlee")
    await ana.ok("write", "Shared.")
    await ana.ok("share", "Personal", "drlee", "--role", "read", "--trust-on-first-use")
    await drlee.ok("sync")
    await ana.ok("unshare", "Personal", "drlee", "--yes")
    await drlee.ok("sync")
    label = f"ana (account {(await ana.json('whoami'))['account_id'][:8]})/Personal"
    refused = await drlee.tj("forget", "ana/Personal")  # no longer served: --unlisted
    assert refused.exit_code == 1, refused.output
    said = flat(refused.stderr)
    assert said.startswith(f"Error: '{label}' is no longer served to this device"), said
    assert f"`tj forget '{label}' --unlisted`" in said, said
    assert "'ana/Personal'" not in said, said
    await drlee.ok("forget", "ana/Personal", "--unlisted", "--yes")
    nothing = await drlee.ok("shared-with-me")
    assert nothing.stderr.strip() == "Nothing is shared with you now.", nothing.output
