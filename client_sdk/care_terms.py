"""Care vocabulary and thresholds that `tj`'s options name before any command runs: the
values of a homework entry's `completion` (schedule.py) and the caseload's default flags
(caseload.py). Kept apart, with no imports, so that starting the command line does not import
the caseload, scoring or homework modules (issue 10); and the marks every view puts after
the read-only copy of a share that ended (`ENDED_COPY`, `UNLISTED_COPY`). Pure."""

COMPLETIONS = ("fully", "partly", "not done")
"""How fully a homework entry was done (schedule.py), best first."""

DEFAULT_QUIET_DAYS = 7
"""The caseload flags a client with no shared entry for this many days (caseload.py)."""

DEFAULT_MOOD_DROP = 1.0
"""The caseload flags a fall of mean mood (last 4 weeks against the 4 before) of this many
points on the 1-10 scale (caseload.py)."""

DEFAULT_LOW_MOOD = 2
"""The caseload flags a client whose shared entries of this week (today and the 6 days before,
the client's days) hold a mood of this or lower on the 1-10 scale (caseload.py; 0: never).
A prompt to read those entries first, not a clinical cut-off: a single self-rated mood has no
validated threshold. 2 is the scale's lowest fifth, where a 4-week mean moves too slowly to
say anything about one bad night (NU43 #5: a mood 2 "thought about ending things" left the
row unflagged)."""

SAFETY_UNKNOWN = "item 9 not shared"
"""Said beside the score of a client's PHQ-9 shared without its answers
(`MeasureResult.safety_unknown`) in every view a therapist reads: a low total must not read
as fine (`SAFETY_UNKNOWN_LINE` says what it means)."""

SAFETY_UNKNOWN_LINE = (
    f"{SAFETY_UNKNOWN}: the score comes without the answers, so whether item 9 was answered "
    "above 0 is not known to you, whatever the total; and no safety flag comes with a score "
    "shared without its answers."
)
"""What `SAFETY_UNKNOWN` means, one wording for every view on the screen (lists, caseload,
report): whether the score came in a copy of some fields or as one result shared alone."""

SAFETY_UNKNOWN_RECORD = (
    f"{SAFETY_UNKNOWN}: the score came without the answers, so whether item 9 was answered "
    "above 0 is not known to the therapist, whatever the total; and no safety flag comes with "
    "a score shared without its answers."
)
"""`SAFETY_UNKNOWN_LINE` in the words of a record kept for later readers (a colleague, an
auditor): the therapist's export, where "you" would read oddly."""

UNSEEN_IN_COPY = {
    "measure": (
        "no result has reached you in this copy yet (results reach you only if the client "
        "shares scores with you)"
    ),
    "homework": (
        "no homework has reached you in this copy yet (homework reaches you only if the "
        "client shares homework with you)"
    ),
}
"""By assignment type: why an assignment made in a copy a client keeps for a therapist
shows as not seen there (`Due.seen_by_assigner` False), one wording for every view (the
assignment list, the export, the note when it is assigned)."""

NOT_IN_COPY = {
    "measure": (
        "cannot be seen in this copy: it does not carry the client's results, so whether they "
        "took it does not reach you, done or not"
    ),
    "homework": (
        "cannot be seen in this copy: it does not carry the client's homework, so whether they "
        "did it does not reach you, done or not"
    ),
}
"""By assignment type: the status of an assignment made in a copy whose owner-signed name says
it carries nothing that completes it (`Due.copy_carries` False): told apart from one not done
(and from UNSEEN_IN_COPY, where a result may still arrive), one wording for every view."""

ENDED_COPY = "(share ended)"
"""After the name of the read-only copy of a share that ended by a signed word (its owner
ended it, its end date passed) or this account's own (it left): `tj list`, `tj journal
list`'s state, an export's summary and its Markdown folder ("dreams (share ended)")."""

UNLISTED_COPY = "(no longer served)"
"""The same where only the server says so (`Journal.unlisted`: it may be withholding it),
one term in every view (never "share ended")."""
