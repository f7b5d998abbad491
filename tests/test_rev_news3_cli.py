"""REV-NEWS3 F4: the "Earlier" line's words for share changes (`output.departure_in_brief`)
say the field-level copy still read, as the full notice does. The reviewer's tests,
rewritten to the exact words; each failed before the fix."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cli import output
from client_sdk import departures
from client_sdk.departures import Departure
from client_sdk.sync import SyncReport

COPY = "Personal (mood, tags) for drsmith"
AT = 1_790_000_000_000
WHEN = output.departure_time(AT)


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (departures.LEFT, "the server says they left the share (not signed by them)"),
        (departures.UNKNOWN, "the server no longer serves them and did not say why"),
        (departures.DROPPED, "another of your devices removed them on the server's word"),
    ],
    ids=["left", "unknown", "dropped"],
)
def test_f4_the_owner_is_told_again_that_the_member_still_reads_a_copy(
    reason: str, said: str
) -> None:
    """Told to the owner that drsmith no longer reads Personal on the server's word while
    the field-level copy `COPY` still reaches them (`Departure.copy`, NU26 C2). The full
    notice says "they still read ..."; the "Earlier" line dropped it, and read as "nothing
    reaches drsmith any more"."""
    d = Departure("drsmith", "Personal", "ab" * 16, reason, at=AT, copy=COPY)
    assert COPY in " ".join(output.departure_lines(SyncReport(departures=[d])))  # the notice
    assert output.departure_in_brief(d) == (
        f"drsmith no longer reads Personal ({WHEN}): {said}, but they still read {COPY!r}"
    )
    assert output.departure_in_brief(replace(d, copy="")) == (
        f"drsmith no longer reads Personal ({WHEN}): {said}"
    )


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        (departures.UNLISTED, f"ana's 'Personal' is no longer served to you ({WHEN})"),
        (departures.REMOVED, f"ana stopped sharing all of 'Personal' with you ({WHEN})"),
        (
            departures.DROPPED,
            f"your share of ana's 'Personal' ended ({WHEN}): the server said you had left",
        ),
    ],
    ids=["unlisted", "removed", "dropped"],
)
def test_f4_the_member_is_told_again_that_a_copy_still_reaches_them(reason: str, said: str) -> None:
    """The same for a member: "ana's 'Personal' is no longer served to you" while ana still
    shares the copy `COPY` with them (NU24 C11: `Departure.copy`)."""
    d = Departure("tom", "Personal", "ab" * 16, reason, at=AT, owner="ana", copy=COPY)
    assert COPY in " ".join(output.departure_lines(SyncReport(departures=[d])))  # the notice
    assert output.departure_in_brief(d) == f"{said}, but you still read {COPY!r}"


def test_f4_an_end_date_says_the_copy_and_the_safety_flags() -> None:
    """A member's share ended by its end date while a copy still reaches them; told to the
    owner, an ended share whose safety flags the client had opted the member in for says
    that those stop too, and what a renewal needs (rev-nu36a F4: the full notice's
    renewal command asks for --safety-flags)."""
    member = Departure(
        "tom", "Personal", "ab" * 16, departures.EXPIRED, at=AT, owner="ana", copy=COPY
    )
    assert output.departure_in_brief(member) == (
        f"{output.ended_text(member)}, but you still read {COPY!r}"
    )
    owner = Departure(
        "drsmith", "Personal", "ab" * 16, departures.EXPIRED, at=AT, safety_flags=True
    )
    assert output.departure_in_brief(owner) == (
        f"{output.ended_text(owner)}, and with it the safety flags you had chosen to send them "
        "(a renewal sends them again only with --safety-flags)"
    )
    assert output.departure_in_brief(replace(owner, safety_flags=False)) == output.ended_text(owner)


def test_f4_a_share_narrowed_from_another_device_says_the_copy_read_now() -> None:
    """Told to the owner's other devices: the whole-journal share was narrowed to a copy
    (`Departure.narrowed`, NU24 C10)."""
    d = Departure("drsmith", "Personal", "ab" * 16, departures.UNSHARED, at=AT, narrowed=COPY)
    assert output.departure_in_brief(d) == (
        f"drsmith no longer reads all of Personal: the share was ended from one of your "
        f"devices ({WHEN}), but they still read what {COPY!r} copies of it"
    )
