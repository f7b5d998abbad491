"""A therapist's overview of every journal clients share with them: safety flags not yet
acknowledged first, entries and average mood over the last days, the latest entry, and the
latest result of each questionnaire, with what it says of PHQ-9 item 9 (answered above 0, or
not known: shared without its answers).

    python examples/therapist_overview.py --home DIR [--days 14]

`--home` is the therapist's profile directory, the `--home` (or `$TJ_HOME`) given to `tj`; by
default `tj`'s own: `$XDG_DATA_HOME/therapy-journal`, else `~/.local/share/therapy-journal`.

Everything is decrypted on this device; the server only relays sealed records. A journal
whose owner's fingerprint this device has not compared yet is marked: until then a server
could have invented that client (`client.shares.verify`). A share that ended is listed with
what this device keeps of it (`Journal.access`: "no longer served (read-only copy)" when only
the server's word says so: the device cannot know that the client ended it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

from client_sdk import Client, MeasureResult, NetworkError, TJError
from client_sdk.care_terms import SAFETY_UNKNOWN, SAFETY_UNKNOWN_LINE


async def overview(home: Path, days: int, now: datetime, passphrase: str | None = None) -> str:
    """The overview as text, one block per shared journal, clients in name order (then
    their journals by name, a share that ended among them).

    An entry or result a client shares both in a whole journal and in a copy for you (`tj
    share --only`, `tj share-entry`, `tj measure share`) counts once, under the whole
    journal, as `tj list` and `tj caseload` count it: listed over every journal,
    `client.entries.list()` and `client.measures.list()` keep the whole journal's
    (README "Sharing"); a journal's own listing would hold the copies too."""
    async with await Client.open(home, passphrase=passphrase) as client:
        lines = []
        try:
            await client.sync()
        except NetworkError:
            lines.append("(offline: from what this device holds)")
        since = now - timedelta(days=days)
        # Offline too: journals.list() reads this device's verified access chains.
        shared = sorted(  # journals.list() puts the copies of ended shares last
            (j for j in await client.journals.list() if j.owner != client.username),
            key=lambda j: (j.owner.casefold(), j.name.casefold()),
        )
        flags = [f for f in await client.safety.flags() if f.unacknowledged]
        every = await client.entries.list()  # every journal, each entry once, newest first
        recent = await client.entries.list(since=since)
        results = await client.measures.list()  # each result once, newest first
        for journal in shared:  # clients by name, then their journals by name
            unverified = "" if journal.owner_verified else "  [fingerprint not compared]"
            if journal.read_only_copy:  # a read-only copy, in `tj shared-with-me`'s words
                lines.append(f"{journal.name}: {journal.access}{unverified}")
            else:
                lines.append(f"{journal.name} ({journal.access}){unverified}")
            waiting = [f for f in flags if f.journal_id == journal.id]
            if waiting:  # before anything else of the client
                newest = max(waiting, key=lambda f: f.raised_at)
                lines.append(
                    f"  SAFETY FLAG not acknowledged ({len(waiting)}): item {newest.item} "
                    f"answered {newest.answer}, {newest.raised_at.astimezone():%Y-%m-%d %H:%M}"
                )
            entries = [e for e in recent if e.journal_id == journal.id]
            moods = [e.mood for e in entries if e.mood is not None]
            average = f"{sum(moods) / len(moods):.1f}" if moods else "-"
            counted = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
            lines.append(f"  last {days} days: {counted}, average mood {average}")
            latest = next((e for e in every if e.journal_id == journal.id), None)
            if latest is not None:
                title = latest.title or latest.body.split("\n", 1)[0][:60]
                if not title and latest.mood is not None:  # a mood alone: no title, no text
                    title = f"(mood {latest.mood}/10)"
                lines.append(f"  latest entry: {latest.local_created_at:%Y-%m-%d} {title}".rstrip())
            own = [r for r in results if r.journal_id == journal.id]
            for result in latest_results(own):
                lines.append(
                    f"  {result.name}: {result.score} ({result.band_label}), "
                    f"{result.taken_at.astimezone():%Y-%m-%d}{item_9(result)}"
                )
                if result.safety_unknown:  # what "item 9 not shared" means, under it
                    lines.append(f"    {SAFETY_UNKNOWN_LINE}")
            if latest is None and not own and await client.entries.list(journal.id, limit=1):
                lines.append(
                    f"  (all it copies is counted in another journal of {journal.owner}'s)"
                )
        if not shared:
            lines.append("No client shares a journal with you yet.")
        return "\n".join(lines)


def item_9(result: MeasureResult) -> str:
    """What a result says of its safety item (PHQ-9 item 9): a low total never reads as fine
    when it was answered above 0, nor when its answers are not shared with you."""
    if result.safety_concern:
        return "; item 9 answered above 0"
    if result.safety_unknown:
        return f"; {SAFETY_UNKNOWN}"
    return ""


def latest_results(results: list[MeasureResult]) -> list[MeasureResult]:
    """The newest result of each instrument (`results` come newest first)."""
    newest: dict[str, MeasureResult] = {}
    for result in results:
        newest.setdefault(result.measure, result)
    return sorted(newest.values(), key=lambda r: r.name)


def default_home() -> Path:
    """The profile `tj` uses when given no --home (cli/main.py default_home, on Linux)."""
    if os.environ.get("TJ_HOME"):
        return Path(os.environ["TJ_HOME"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "therapy-journal"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=default_home(), help="the profile directory")
    parser.add_argument("--days", type=int, default=14, help="how far back to count entries")
    parser.add_argument("--passphrase-file", type=Path, help="if the profile is locked")
    args = parser.parse_args()
    passphrase = args.passphrase_file.read_text().strip() if args.passphrase_file else None
    now = datetime.now().astimezone()
    try:
        print(asyncio.run(overview(args.home, args.days, now, passphrase)))
    except TJError as error:  # no account there, a wrong passphrase, ...: one line
        sys.exit(f"{Path(sys.argv[0]).name}: {error}")


if __name__ == "__main__":
    main()
