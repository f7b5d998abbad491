"""Mood of the week: the average mood of each of the last seven days, over every journal this
account owns, as a small text chart.

    python examples/mood_of_the_week.py [--home DIR] [--passphrase-file FILE]

`--home` is the profile directory `tj` uses: `$TJ_HOME`, else
`$XDG_DATA_HOME/therapy-journal`, else `~/.local/share/therapy-journal` (`tj`'s default).

It opens the account already on this device (`Client.open`, no password), syncs when the
server answers, and otherwise reports offline from what the device holds. Days are the
writer's local days (`Entry.local_created_at`); moods are whole numbers from 1 to 10.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date, timedelta
from pathlib import Path

from client_sdk import Client, NetworkError, TJError

BAR = 10  # characters for the highest mood, 10


async def mood_of_the_week(home: Path, today: date, passphrase: str | None = None) -> str:
    """The week's chart as text, one line per day from `today` - 6 days to `today`."""
    async with await Client.open(home, passphrase=passphrase) as client:
        lines = []
        try:
            await client.sync()
        except NetworkError:
            lines.append("(offline: from what this device holds)")
        first = today - timedelta(days=6)
        owned = {j.id for j in await client.journals.list() if j.role == "owner"}
        moods: dict[date, list[int]] = {}
        for entry in await client.entries.list(since=first, until=today, newest_first=False):
            if entry.journal_id in owned and entry.mood is not None:
                moods.setdefault(entry.local_created_at.date(), []).append(entry.mood)
        for offset in range(7):
            day = first + timedelta(days=offset)
            of_day = moods.get(day, [])
            if of_day:
                mean = sum(of_day) / len(of_day)
                bar = "█" * round(mean * BAR / 10)
                lines.append(f"{day:%a %Y-%m-%d}  {bar:<{BAR}}  {mean:.1f}")
            else:
                lines.append(f"{day:%a %Y-%m-%d}  {'·':<{BAR}}  -")
        week = [mood for of_day in moods.values() for mood in of_day]
        if week:
            lines.append(f"week: {len(week)} moods, average {sum(week) / len(week):.1f}")
        else:
            lines.append("week: no mood recorded")
        return "\n".join(lines)


def default_home() -> Path:
    """The profile `tj` uses when given no --home (cli/main.py default_home, on Linux)."""
    if os.environ.get("TJ_HOME"):
        return Path(os.environ["TJ_HOME"])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "therapy-journal"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=default_home(), help="the profile directory")
    parser.add_argument("--passphrase-file", type=Path, help="if the profile is locked")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    args = parser.parse_args()
    passphrase = args.passphrase_file.read_text().strip() if args.passphrase_file else None
    try:
        print(asyncio.run(mood_of_the_week(args.home, args.today, passphrase)))
    except TJError as error:  # no account there, a wrong passphrase, ...: one line
        sys.exit(f"{Path(sys.argv[0]).name}: {error}")


if __name__ == "__main__":
    main()
