"""Therapy Journal sync SDK: end-to-end encrypted journals that sync between devices.

Start with `Client` (client.py): it signs up, logs in or opens an account on this device, and
holds one manager per area (`client.entries`, `client.journals`, `client.goals`, ...). Every
type those hand back is exported here, with the error hierarchy (errors.py).

The package imports its modules when a name is first used (PEP 562 `__getattr__`): a program
that needs only part of the SDK (the `tj` command line starting up, say) does not pay for
importing all of it. `from client_sdk import Client` works as always.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from client_sdk.brief import Brief, BriefView, DiscussItem
    from client_sdk.care import Assignments, Homework
    from client_sdk.caseload import CaseloadRow, GoalLine, ScoreLine
    from client_sdk.changes import Change, ChangeStream
    from client_sdk.client import Client
    from client_sdk.crypto import INSECURE_TEST_COST, INTERACTIVE, MODERATE, KdfCost
    from client_sdk.departures import Departure
    from client_sdk.devices import Devices
    from client_sdk.entries import Entries
    from client_sdk.errors import (
        AccessError,
        AuthError,
        ChainUpdateNeeded,
        ClientClosed,
        ConflictError,
        CostBelowMinimum,
        CostLowered,
        FlagsWouldStop,
        IntegrityError,
        InvalidInput,
        ItemAgain,
        JournalArchived,
        KeyChangedError,
        NetworkError,
        NotAnEntry,
        NotFound,
        NotReadingNow,
        NotShared,
        QuotaExceeded,
        RateLimited,
        ReadersToConfirm,
        RenamedElsewhere,
        RollbackError,
        SafetyUndelivered,
        SameJournalName,
        ScopeNeeded,
        ShareAlreadyEnded,
        SharedAgain,
        StillShared,
        StoreBusy,
        TJError,
        UnsentChanges,
        UnsyncedChanges,
        UpdateNeeded,
        WithheldRecordsError,
        WrongKind,
    )
    from client_sdk.goal_tracking import Goals
    from client_sdk.goals import CheckIn, Goal, Measure
    from client_sdk.hold_back import HeldBack
    from client_sdk.insight_reports import InsightReports
    from client_sdk.insights import GoalStat, Insights, MoodGroup, Streak, WeekStat
    from client_sdk.journals import Journals
    from client_sdk.live import Backoff
    from client_sdk.logged_out import LoggedOut
    from client_sdk.measures import Measures
    from client_sdk.models import (
        EMOTIONS,
        TRASH_DAYS,
        CredentialChange,
        DeviceInfo,
        Entry,
        Identity,
        Journal,
        ListedEntries,
        LockedIdentity,
        NewDevice,
        Notice,
        decoded_text,
        plain_text,
    )
    from client_sdk.notes import Notes
    from client_sdk.passwords import PASSWORD_RULE, check_password
    from client_sdk.patterns import Association, DayMood, Trend, WeekdayStat
    from client_sdk.pending_signup import KeptRecoveryKey
    from client_sdk.portability import Archives, ImportReport
    from client_sdk.practice import Briefs, Caseload
    from client_sdk.private_notes import PrivateNote, PrivateNotes
    from client_sdk.prompts import CATEGORIES, Prompt
    from client_sdk.pushing import SetAsideChange
    from client_sdk.readers import JournalReader
    from client_sdk.reflection import Prompts
    from client_sdk.results import InvalidResult, MeasureResult, Taken
    from client_sdk.safety import (
        Acknowledgement,
        LateFlag,
        PlanSource,
        SafetyFlag,
        SafetyHints,
        SafetyPlan,
        UndeliveredFlag,
        UnflaggedAnswer,
    )
    from client_sdk.safety_path import SafetyPath, SafetyResponse
    from client_sdk.same_names import SameName
    from client_sdk.schedule import Assignment, Due, HomeworkEntry, ShareEnded
    from client_sdk.scoring import (
        Band,
        Instrument,
        Option,
        RetiredQuestion,
        ScoreChange,
        ScoreDifference,
        Source,
        UnscoredItem,
    )
    from client_sdk.search import SearchHit, SearchResults
    from client_sdk.settling import FieldWrite, MergedText, OvertakenEdit, Settled
    from client_sdk.shares import EndedShares, Shares
    from client_sdk.sharing import (
        AuditInfo,
        HeldKeys,
        KeptCopy,
        Note,
        SharedJournal,
        ShareInfo,
    )
    from client_sdk.store import Problem
    from client_sdk.sync import (
        Arrival,
        NewerFormat,
        News,
        RefusedShare,
        Removal,
        SetAside,
        SyncProgress,
        SyncReport,
    )
    from client_sdk.templates import Template, TemplateField
    from client_sdk.transport import QUICK_TRY, AnswerWait, RetryPolicy, answer_wait
    from client_sdk.undelivered import MemberReceipt, Recipient, Undelivered, recipients_by_member
    from client_sdk.upload_limit import UploadLimit
    from client_sdk.withdrawals import RefusedWithdrawal
    from client_sdk.withholding import Gap

_EXPORTS = {
    "brief": ("Brief", "BriefView", "DiscussItem"),
    "care": ("Assignments", "Homework"),
    "caseload": ("CaseloadRow", "GoalLine", "ScoreLine"),
    "changes": ("Change", "ChangeStream"),
    "client": ("Client",),
    "crypto": ("INSECURE_TEST_COST", "INTERACTIVE", "KdfCost", "MODERATE"),
    "devices": ("Devices",),
    "entries": ("Entries",),
    "errors": (
        "AccessError",
        "AuthError",
        "ChainUpdateNeeded",
        "ClientClosed",
        "ConflictError",
        "CostBelowMinimum",
        "CostLowered",
        "FlagsWouldStop",
        "IntegrityError",
        "InvalidInput",
        "ItemAgain",
        "JournalArchived",
        "KeyChangedError",
        "NetworkError",
        "NotAnEntry",
        "NotFound",
        "NotReadingNow",
        "NotShared",
        "QuotaExceeded",
        "RateLimited",
        "ReadersToConfirm",
        "RenamedElsewhere",
        "RollbackError",
        "SafetyUndelivered",
        "SameJournalName",
        "ScopeNeeded",
        "ShareAlreadyEnded",
        "SharedAgain",
        "StillShared",
        "StoreBusy",
        "TJError",
        "UnsentChanges",
        "UnsyncedChanges",
        "UpdateNeeded",
        "WithheldRecordsError",
        "WrongKind",
    ),
    "goal_tracking": ("Goals",),
    "goals": ("CheckIn", "Goal", "Measure"),
    "hold_back": ("HeldBack",),
    "insight_reports": ("InsightReports",),
    "insights": ("GoalStat", "Insights", "MoodGroup", "Streak", "WeekStat"),
    "journals": ("Journals",),
    "live": ("Backoff",),
    "logged_out": ("LoggedOut",),
    "measures": ("Measures",),
    "models": (
        "CredentialChange",
        "DeviceInfo",
        "EMOTIONS",
        "Entry",
        "Identity",
        "Journal",
        "ListedEntries",
        "LockedIdentity",
        "NewDevice",
        "Notice",
        "TRASH_DAYS",
        "decoded_text",
        "plain_text",
    ),
    "notes": ("Notes",),
    "passwords": ("PASSWORD_RULE", "check_password"),
    "pending_signup": ("KeptRecoveryKey",),
    "patterns": ("Association", "DayMood", "Trend", "WeekdayStat"),
    "portability": ("Archives", "ImportReport"),
    "practice": ("Briefs", "Caseload"),
    "private_notes": ("PrivateNote", "PrivateNotes"),
    "prompts": ("CATEGORIES", "Prompt"),
    "pushing": ("SetAsideChange",),
    "readers": ("JournalReader",),
    "reflection": ("Prompts",),
    "results": ("InvalidResult", "MeasureResult", "Taken"),
    "safety": (
        "Acknowledgement",
        "LateFlag",
        "PlanSource",
        "SafetyFlag",
        "SafetyHints",
        "SafetyPlan",
        "UndeliveredFlag",
        "UnflaggedAnswer",
    ),
    "safety_path": ("SafetyPath", "SafetyResponse"),
    "same_names": ("SameName",),
    "withdrawals": ("RefusedWithdrawal",),
    "schedule": ("Assignment", "Due", "HomeworkEntry", "ShareEnded"),
    "scoring": (
        "Band",
        "Instrument",
        "Option",
        "RetiredQuestion",
        "ScoreChange",
        "ScoreDifference",
        "Source",
        "UnscoredItem",
    ),
    "search": ("SearchHit", "SearchResults"),
    "departures": ("Departure",),
    "settling": ("FieldWrite", "MergedText", "OvertakenEdit", "Settled"),
    "shares": ("EndedShares", "Shares"),
    "sharing": ("AuditInfo", "HeldKeys", "KeptCopy", "Note", "ShareInfo", "SharedJournal"),
    "store": ("Problem",),
    "sync": (
        "Arrival",
        "NewerFormat",
        "News",
        "RefusedShare",
        "Removal",
        "SetAside",
        "SyncProgress",
        "SyncReport",
    ),
    "templates": ("Template", "TemplateField"),
    "transport": ("QUICK_TRY", "AnswerWait", "RetryPolicy", "answer_wait"),
    "undelivered": ("MemberReceipt", "Recipient", "Undelivered", "recipients_by_member"),
    "upload_limit": ("UploadLimit",),
    "withholding": ("Gap",),
}
"""Module (under client_sdk) -> the public names it defines."""

_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> object:
    """A public name, imported from its module at first use (then kept as an attribute)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'client_sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"client_sdk.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})


__all__ = [
    "CATEGORIES",
    "EMOTIONS",
    "INSECURE_TEST_COST",
    "INTERACTIVE",
    "MODERATE",
    "PASSWORD_RULE",
    "TRASH_DAYS",
    "AccessError",
    "Acknowledgement",
    "Archives",
    "Assignment",
    "ShareEnded",
    "Assignments",
    "AuditInfo",
    "HeldBack",
    "HeldKeys",
    "AuthError",
    "Backoff",
    "ChainUpdateNeeded",
    "ClientClosed",
    "CostBelowMinimum",
    "CostLowered",
    "Band",
    "Brief",
    "BriefView",
    "DiscussItem",
    "Briefs",
    "Caseload",
    "CaseloadRow",
    "Change",
    "ChangeStream",
    "CheckIn",
    "Client",
    "ConflictError",
    "RenamedElsewhere",
    "StoreBusy",
    "DeviceInfo",
    "NewDevice",
    "CredentialChange",
    "Identity",
    "LockedIdentity",
    "Devices",
    "Due",
    "Entries",
    "Entry",
    "Gap",
    "Goal",
    "GoalLine",
    "GoalStat",
    "Goals",
    "Homework",
    "HomeworkEntry",
    "ImportReport",
    "InsightReports",
    "Insights",
    "Instrument",
    "IntegrityError",
    "InvalidInput",
    "Journal",
    "ListedEntries",
    "JournalArchived",
    "Journals",
    "KdfCost",
    "KeyChangedError",
    "KeptRecoveryKey",
    "LoggedOut",
    "Measure",
    "InvalidResult",
    "MeasureResult",
    "Measures",
    "MemberReceipt",
    "MoodGroup",
    "NetworkError",
    "NotAnEntry",
    "NotFound",
    "Note",
    "Notes",
    "Notice",
    "Option",
    "PrivateNote",
    "PrivateNotes",
    "Problem",
    "Prompt",
    "Prompts",
    "QuotaExceeded",
    "RateLimited",
    "RetryPolicy",
    "AnswerWait",
    "answer_wait",
    "Departure",
    "FieldWrite",
    "MergedText",
    "OvertakenEdit",
    "Settled",
    "QUICK_TRY",
    "RollbackError",
    "LateFlag",
    "PlanSource",
    "SafetyFlag",
    "SafetyHints",
    "SafetyPath",
    "SafetyPlan",
    "SafetyResponse",
    "SameJournalName",
    "SameName",
    "ScopeNeeded",
    "ScoreChange",
    "ScoreDifference",
    "ShareAlreadyEnded",
    "NotReadingNow",
    "NotShared",
    "SharedAgain",
    "FlagsWouldStop",
    "ItemAgain",
    "StillShared",
    "ReadersToConfirm",
    "JournalReader",
    "UnsentChanges",
    "SafetyUndelivered",
    "UnsyncedChanges",
    "ScoreLine",
    "SearchHit",
    "SearchResults",
    "SetAside",
    "SetAsideChange",
    "ShareInfo",
    "KeptCopy",
    "SharedJournal",
    "Shares",
    "EndedShares",
    "Undelivered",
    "Recipient",
    "recipients_by_member",
    "Source",
    "Streak",
    "SyncProgress",
    "SyncReport",
    "Arrival",
    "NewerFormat",
    "News",
    "RefusedShare",
    "RefusedWithdrawal",
    "RetiredQuestion",
    "Removal",
    "Association",
    "DayMood",
    "Trend",
    "WeekdayStat",
    "UploadLimit",
    "TJError",
    "Taken",
    "Template",
    "TemplateField",
    "UndeliveredFlag",
    "UnflaggedAnswer",
    "UnscoredItem",
    "UpdateNeeded",
    "WeekStat",
    "WithheldRecordsError",
    "WrongKind",
    "check_password",
    "decoded_text",
    "plain_text",
]
