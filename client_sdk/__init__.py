"""Therapy Journal sync SDK: end-to-end encrypted journals that sync between devices."""

from client_sdk.brief import Brief, BriefView
from client_sdk.caseload import CaseloadRow
from client_sdk.client import Client
from client_sdk.crypto import INSECURE_TEST_COST, INTERACTIVE, MODERATE, KdfCost
from client_sdk.documents import EMOTIONS, TRASH_DAYS
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
from client_sdk.goals import CheckIn, Goal, Measure
from client_sdk.insights import Insights
from client_sdk.live import Backoff
from client_sdk.measures import Measures
from client_sdk.models import Change, DeviceInfo, Entry, Journal
from client_sdk.portability import ImportReport
from client_sdk.prompts import CATEGORIES, Prompt
from client_sdk.pushing import SetAsideChange
from client_sdk.results import MeasureResult, Taken
from client_sdk.safety import SafetyFlag, SafetyPlan
from client_sdk.safety_path import SafetyResponse
from client_sdk.schedule import Assignment, Due, HomeworkEntry
from client_sdk.scoring import Instrument, ScoreChange
from client_sdk.search import SearchHit
from client_sdk.sharing import AuditInfo, Note, SharedJournal, ShareInfo
from client_sdk.store import Problem
from client_sdk.sync import SetAside, SyncProgress, SyncReport
from client_sdk.transport import RetryPolicy
from client_sdk.withholding import Gap

__all__ = [
    "CATEGORIES",
    "EMOTIONS",
    "INSECURE_TEST_COST",
    "INTERACTIVE",
    "MODERATE",
    "TRASH_DAYS",
    "AccessError",
    "Assignment",
    "AuditInfo",
    "AuthError",
    "Backoff",
    "Brief",
    "BriefView",
    "CaseloadRow",
    "Change",
    "CheckIn",
    "Client",
    "ConflictError",
    "DeviceInfo",
    "Due",
    "Entry",
    "Gap",
    "Goal",
    "HomeworkEntry",
    "ImportReport",
    "Insights",
    "IntegrityError",
    "InvalidInput",
    "Journal",
    "KdfCost",
    "KeyChangedError",
    "Instrument",
    "Measure",
    "MeasureResult",
    "Measures",
    "NetworkError",
    "NotFound",
    "Note",
    "Problem",
    "Prompt",
    "QuotaExceeded",
    "RateLimited",
    "RetryPolicy",
    "SafetyFlag",
    "SafetyPlan",
    "SafetyResponse",
    "ScoreChange",
    "RollbackError",
    "SearchHit",
    "SetAside",
    "SetAsideChange",
    "ShareInfo",
    "SharedJournal",
    "SyncProgress",
    "SyncReport",
    "TJError",
    "Taken",
    "WithheldRecordsError",
]
