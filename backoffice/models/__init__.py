"""The scheme's domain: municipalities and the lifecycle of a case.

One module per stage of the lifecycle in shared/DOMAIN.md.
"""

from .municipality import LoanPolicy, Municipality, StaffMembership, TargetGroup
from .cases import Case, CaseApplication, Document, InformationRequest, JournalNote, Message, ReferenceSequence
from .assessment import Assessment, ScreeningTalk
from .decisions import Decision, DecisionKind, DecisionTemplate
from .appeals import Appeal
from .courses import Attendance, CoachingNote, Cohort, CourseSession, Enrolment
from .audit import AccessLogEntry, ImmutableRecordError
from .business import Business, BusinessAccount
from .loans import Allowance, AllowancePayment, Disbursement, LedgerEntry, Loan, RepaymentInstalment
from .followup import FollowUp, SelfReport
from .outcomes import Outcome
from .evaluation import BreakEvenParameters, BudgetLine, Expense, YearlyTarget
from .retention import RetentionPolicy
from .registers import CompanyLookup, LookupOutcome, PersonLookup, RegisterSource
from .digital_post import LetterDispatch
from .collection import ClaimHandover, CollectionStep, ScheduleChange
from .journal import DocumentJournalEntry, KleSubject
from .payments import PaymentBatch, PaymentOrder
from .de_minimis import DeclaredAid, DeMinimisDeclaration, DeMinimisGrant

__all__ = [
    "LoanPolicy", "Municipality", "StaffMembership", "TargetGroup", "Expense",
    "Case", "CaseApplication", "Document", "InformationRequest", "JournalNote", "Message", "ReferenceSequence",
    "Assessment", "ScreeningTalk",
    "Decision", "DecisionKind", "DecisionTemplate", "Appeal",
    "Attendance", "CoachingNote", "Cohort", "CourseSession", "Enrolment",
    "AccessLogEntry", "ImmutableRecordError",
    "Business", "BusinessAccount",
    "Allowance", "AllowancePayment", "Disbursement", "LedgerEntry", "Loan", "RepaymentInstalment",
    "FollowUp", "SelfReport",
    "Outcome",
    "BreakEvenParameters", "BudgetLine", "RetentionPolicy", "YearlyTarget",
    "CompanyLookup", "LookupOutcome", "PersonLookup", "RegisterSource",
    "LetterDispatch",
    "ClaimHandover", "CollectionStep", "ScheduleChange",
    "DocumentJournalEntry", "KleSubject",
    "PaymentBatch", "PaymentOrder",
    "DeclaredAid", "DeMinimisDeclaration", "DeMinimisGrant",
]
