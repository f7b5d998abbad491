"""Therapy Journal sync SDK: end-to-end encrypted journals that sync between devices.

Start with `Client` (client.py): it signs up, logs in or opens an account on this device, and
holds one manager per area (`client.entries`, `client.journals`, `client.goals`, ...). Every
type those hand back is exported here, with the error hierarchy (errors.py).
"""

from client_sdk.brief import Brief, BriefView, DiscussItem
from client_sdk.care import Assignments, Homework
from client_sdk.caseload import CaseloadRow, GoalLine, ScoreLine
from client_sdk.changes import Change, ChangeStream
from client_sdk.client import Client
from client_sdk.crypto import INSECURE_TEST_COST, INTERACTIVE, MODERATE, KdfCost
from client_sdk.devices import Devices
from client_sdk.documents import EMOTIONS, TRASH_DAYS
from client_sdk.entries import Entries
from client_sdk.errors import (
    AccessError,
    AuthError,
    ConflictError,
    IntegrityError,
    InvalidInput,
    KeyChangedError,
    NetworkError,
    NotFound,
    QuotaExceeded,
    RateLimited,
    RollbackError,
    TJError,
    WithheldRecordsError,
)
from client_sdk.goal_tracking import Goals
from client_sdk.goals import CheckIn, Goal, Measure
from client_sdk.insight_reports import InsightReports
from client_sdk.insights import GoalStat, Insights, MoodGroup, Streak, WeekStat
from client_sdk.journals import Journals
from client_sdk.live import Backoff
from client_sdk.measures import Measures
from client_sdk.models import DeviceInfo, Entry, Journal, Notice
from client_sdk.notes import Notes
from client_sdk.patterns import Association, DayMood, Trend, WeekdayStat
from client_sdk.portability import Archives, ImportReport
from client_sdk.practice import Briefs, Caseload
from client_sdk.private_notes import PrivateNote, PrivateNotes
from client_sdk.prompts import CATEGORIES, Prompt
from client_sdk.pushing import SetAsideChange
from client_sdk.reflection import Prompts
from client_sdk.results import InvalidResult, MeasureResult, Taken
from client_sdk.safety import Acknowledgement, SafetyFlag, SafetyPlan
from client_sdk.safety_path import SafetyPath, SafetyResponse
from client_sdk.schedule import Assignment, Due, HomeworkEntry
from client_sdk.scoring import Band, Instrument, Option, ScoreChange, Source, UnscoredItem
from client_sdk.search import SearchHit
from client_sdk.settling import FieldWrite, Settled
from client_sdk.shares import Shares
from client_sdk.sharing import AuditInfo, Note, SharedJournal, ShareInfo
from client_sdk.store import Problem
from client_sdk.sync import Arrival, News, SetAside, SyncProgress, SyncReport
from client_sdk.templates import Template, TemplateField
from client_sdk.transport import QUICK_TRY, RetryPolicy
from client_sdk.upload_limit import UploadLimit
from client_sdk.withholding import Gap

__all__ = [
    "CATEGORIES",
    "EMOTIONS",
    "INSECURE_TEST_COST",
    "INTERACTIVE",
    "MODERATE",
    "TRASH_DAYS",
    "AccessError",
    "Acknowledgement",
    "Archives",
    "Assignment",
    "Assignments",
    "AuditInfo",
    "AuthError",
    "Backoff",
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
    "DeviceInfo",
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
    "Journals",
    "KdfCost",
    "KeyChangedError",
    "Measure",
    "InvalidResult",
    "MeasureResult",
    "Measures",
    "MoodGroup",
    "NetworkError",
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
    "FieldWrite",
    "Settled",
    "QUICK_TRY",
    "RollbackError",
    "SafetyFlag",
    "SafetyPath",
    "SafetyPlan",
    "SafetyResponse",
    "ScoreChange",
    "ScoreLine",
    "SearchHit",
    "SetAside",
    "SetAsideChange",
    "ShareInfo",
    "SharedJournal",
    "Shares",
    "Source",
    "Streak",
    "SyncProgress",
    "SyncReport",
    "Arrival",
    "News",
    "Association",
    "DayMood",
    "Trend",
    "WeekdayStat",
    "UploadLimit",
    "TJError",
    "Taken",
    "Template",
    "TemplateField",
    "UnscoredItem",
    "WeekStat",
    "WithheldRecordsError",
]
