"""The audit log's actions: what each entry a service writes is called in
the timeline and the audit log. One table, registered by one hook in
``wagtail_hooks``; Wagtail refuses a log entry whose action is unknown."""

from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogFormatter

from .services import appeals
from .services import case_file, journal
from .services import de_minimis
from .services import payments
from .services import collection
from . import payments as payment_export
from .services import (
    allowance, assessments, business, case_import, cases, casework, citizen, courses, decisions, digital_post,
    followup, loans, outcomes, referral, registers, retention, statistics_settings, talks,
)

# action: (what the person did, what the log says happened)
ACTIONS = {
    cases.SUBMITTED_ACTION: (_("Submit application"), _("Application submitted")),

    citizen.STATUS_CHANGED_ACTION: (_("Change case status"), _("Case status changed")),
    citizen.WITHDRAWN_ACTION: (_("Withdraw application"), _("Application withdrawn by the citizen")),
    citizen.INFORMATION_ANSWERED_ACTION: (_("Answer request for information"),
                                             _("Request for information answered by the citizen")),
    citizen.CITIZEN_MESSAGE_ACTION: (_("Send message"), _("Message from the citizen")),
    citizen.CITIZEN_DOCUMENT_ACTION: (_("Add document"), _("Document added by the citizen")),

    casework.ASSIGNED_ACTION: (_("Assign case"), _("Case assigned")),
    casework.NOTE_ADDED_ACTION: (_("Add journal note"), _("Journal note added")),
    casework.INFORMATION_REQUESTED_ACTION: (_("Ask the citizen for information"),
                                               _("Information requested from the citizen")),
    casework.STAFF_MESSAGE_ACTION: (_("Write to the citizen"), _("Message to the citizen")),

    talks.TALK_BOOKED_ACTION: (_("Book talk"), _("Talk booked")),
    talks.TALK_RESCHEDULED_ACTION: (_("Change talk"), _("Talk changed")),
    talks.TALK_CANCELLED_ACTION: (_("Cancel talk"), _("Talk cancelled")),
    talks.TALK_OUTCOME_ACTION: (_("Write outcome of talk"), _("Outcome of talk written")),
    assessments.ASSESSMENT_SAVED_ACTION: (_("Save assessment draft"), _("Assessment draft saved")),
    assessments.ASSESSMENT_SUBMITTED_ACTION: (_("Submit assessment"), _("Assessment submitted")),
    assessments.ASSESSMENT_REOPENED_ACTION: (_("Reopen assessment"), _("Assessment reopened")),

    decisions.DRAFTED_ACTION: (_("Draft decision"), _("Decision drafted")),
    decisions.UPDATED_ACTION: (_("Edit draft decision"), _("Draft decision edited")),
    decisions.DISCARDED_ACTION: (_("Delete draft decision"), _("Draft decision deleted")),
    decisions.CONSULTATION_SENT_ACTION: (_("Send draft decision for consultation"),
                                            _("Draft decision sent to the citizen for comments")),
    decisions.CONSULTATION_REPLIED_ACTION: (_("Comment on draft decision"),
                                               _("Citizen commented on the draft decision")),
    decisions.DECIDED_ACTION: (_("Make decision"), _("Decision made")),

    appeals.LODGED_ACTION: (_("Register complaint"), _("Complaint about a decision received")),
    appeals.REASSESSMENT_ACTION: (_("Start reassessment"), _("Reassessment of the decision started")),
    appeals.CHANGED_ACTION: (_("Change decision after complaint"), _("Decision changed after the complaint")),
    appeals.FORWARDED_ACTION: (_("Uphold and forward complaint"),
                               _("Decision upheld; complaint forwarded to the appeal body")),
    appeals.OUTCOME_ACTION: (_("Record the appeal body's decision"), _("Appeal body's decision recorded")),
    appeals.WITHDRAWN_ACTION: (_("Withdraw complaint"), _("Complaint withdrawn")),

    digital_post.SENT_ACTION: (_("Send letter"), _("Letter sent to the citizen")),
    digital_post.FAILED_ACTION: (_("Send letter"), _("Letter could not be sent")),
    digital_post.NEEDS_PRINTING_ACTION: (_("Send letter"), _("Letter must be printed and posted by staff")),
    digital_post.DELIVERED_ACTION: (_("Deliver letter"), _("Letter delivered to the citizen")),
    digital_post.RESEND_ACTION: (_("Send letter again"), _("Letter sent again")),
    digital_post.PRINTED_ACTION: (_("Mark letter as printed and posted"), _("Letter printed and posted by staff")),

    loans.INTEREST_BOOKED_ACTION: (_("Book interest"), _("Interest booked")),
    allowance.ALLOWANCE_PAYMENT_APPROVED_ACTION: (_("Approve allowance payment"), _("Allowance payment approved")),
    allowance.ALLOWANCE_PAYMENT_CANCELLED_ACTION: (_("Cancel allowance payment request"),
                                                      _("Allowance payment request cancelled")),

    business.BUSINESS_REGISTERED_ACTION: (_("Register business"), _("Business registered by the citizen")),
    business.ACCOUNT_REGISTERED_ACTION: (_("Register business bank account"),
                                            _("Business bank account registered by the citizen")),
    business.ACCOUNT_VERIFIED_ACTION: (_("Verify business bank account"), _("Business bank account verified")),
    registers.PERSON_LOOKED_UP_ACTION: (_("Look up in the CPR register"),
                                        _("Applicant looked up in the CPR register")),
    registers.COMPANY_LOOKED_UP_ACTION: (_("Look up in the CVR register"),
                                         _("Business looked up in the CVR register")),
    followup.FOLLOW_UPS_PLANNED_ACTION: (_("Plan follow-up"), _("Follow-up planned")),
    followup.FOLLOW_UP_RECORDED_ACTION: (_("Write follow-up"), _("Follow-up written")),
    followup.SELF_REPORT_ACTION: (_("Send monthly report"), _("Monthly report sent by the citizen")),
    outcomes.OUTCOME_RECORDED_ACTION: (_("Record outcome"), _("Outcome recorded")),

    courses.ENROLLED_ACTION: (_("Give a place on a cohort"), _("Place on a cohort given")),
    courses.WAITING_ACTION: (_("Put on a cohort's waiting list"), _("Put on a cohort's waiting list")),
    courses.MOVED_UP_ACTION: (_("Move up from the waiting list"),
                                 _("Moved up from the waiting list to a place on the cohort")),
    courses.ENDED_ACTION: (_("Record how the course ended"), _("End of course recorded")),
    courses.ATTENDANCE_ACTION: (_("Record attendance"), _("Attendance recorded")),
    courses.COACHING_ACTION: (_("Write coaching note"), _("Coaching note written")),
    courses.COHORT_CREATED_ACTION: (_("Create cohort"), _("Cohort created")),
    courses.COHORT_CHANGED_ACTION: (_("Change cohort"), _("Cohort changed")),
    courses.SESSION_ADDED_ACTION: (_("Add session"), _("Session added")),
    courses.SESSION_CHANGED_ACTION: (_("Change session"), _("Session changed")),
    courses.GROUP_COACHING_ACTION: (_("Write group coaching note"), _("Group coaching note written")),

    loans.LOAN_GRANTED_ACTION: (_("Record granted loan"), _("Loan granted")),
    loans.DISBURSEMENT_REQUESTED_ACTION: (_("Request payout"), _("Payout requested")),
    loans.DISBURSEMENT_CANCELLED_ACTION: (_("Cancel payout request"), _("Payout request cancelled")),
    loans.DISBURSEMENT_APPROVED_ACTION: (_("Approve payout"), _("Payout approved")),
    loans.PAYMENT_RECORDED_ACTION: (_("Record repayment"), _("Repayment recorded")),
    loans.WRITTEN_OFF_ACTION: (_("Write off loan"), _("Loan written off")),
    loans.ENTRY_CORRECTED_ACTION: (_("Correct ledger entry"), _("Ledger entry corrected")),
    loans.LOAN_CLOSED_ACTION: (_("Close loan"), _("Loan closed")),
    loans.REMINDER_SENT_ACTION: (_("Send payment reminder"), _("Payment reminder sent")),

    collection.REMINDER_ACTION: (_("Send reminder letter"), _("Reminder letter sent (rykker)")),
    collection.NOTICE_ACTION: (_("Send written notice"), _("Written notice before handover sent")),
    collection.HANDED_OVER_ACTION: (_("Hand claim over to Gældsstyrelsen"), _("Claim handed over to Gældsstyrelsen")),
    collection.CLAIM_STATUS_ACTION: (_("Record claim status"), _("Status of the claim at Gældsstyrelsen recorded")),
    collection.DEFERRED_ACTION: (_("Defer loan repayments"), _("Loan repayments deferred (henstand)")),
    collection.RESCHEDULED_ACTION: (_("Reschedule loan"), _("New repayment plan for the loan")),

    de_minimis.DECLARED_ACTION: (_("Declare other de minimis aid"),
                                 _("De minimis declaration given by the business")),
    de_minimis.GRANTED_ACTION: (_("Record de minimis aid"),
                                _("De minimis aid recorded and grant letter issued")),

    allowance.ALLOWANCE_GRANTED_ACTION: (_("Record granted subsistence allowance"),
                                            _("Subsistence allowance granted")),
    allowance.ALLOWANCE_PAYMENT_ACTION: (_("Ask for allowance payment"),
                                            _("Allowance payment asked for (awaits a second person's approval)")),

    payments.ORDER_CREATED_ACTION: (_("Make payment order"), _("Payment order to NemKonto made")),
    payments.ORDER_EXPORTED_ACTION: (_("Send payment order"), _("Payment order sent to the finance system")),
    payments.ORDER_CONFIRMED_ACTION: (_("Record payment confirmation"),
                                      _("Payment confirmed by the finance system")),
    payments.ORDER_REJECTED_ACTION: (_("Record payment rejection"), _("Payment rejected by the finance system")),
    payment_export.BATCH_EXPORTED_ACTION: (_("Export payment orders"), _("Payment orders exported")),
    payment_export.BATCH_DOWNLOADED_ACTION: (_("Download payment orders"), _("Payment order file downloaded")),
    payment_export.CONFIRMATIONS_IMPORTED_ACTION: (_("Import payment confirmations"),
                                                   _("Payment confirmations imported")),

    journal.KLE_CHANGED_ACTION: (_("Change KLE classification"), _("KLE classification changed")),
    journal.ACCESS_ASSESSED_ACTION: (_("Assess document for aktindsigt"),
                                     _("Document assessed for aktindsigt")),
    case_file.CASE_FILE_ACTION: (_("Hand out case file"), _("Case file handed out (aktindsigt)")),

    statistics_settings.TARGET_SAVED_ACTION: (_("Save yearly target"), _("Yearly target saved")),
    statistics_settings.TARGET_DELETED_ACTION: (_("Delete yearly target"), _("Yearly target deleted")),
    statistics_settings.BREAK_EVEN_SAVED_ACTION: (_("Save break-even parameters"), _("Break-even parameters saved")),
    statistics_settings.BUDGET_LINE_SAVED_ACTION: (_("Save budget line"), _("Budget line saved")),
    statistics_settings.BUDGET_LINE_DELETED_ACTION: (_("Delete budget line"), _("Budget line deleted")),
    statistics_settings.EXPENSE_SAVED_ACTION: (_("Save expense"), _("Expense saved")),
    statistics_settings.EXPENSE_DELETED_ACTION: (_("Delete expense"), _("Expense deleted")),

    case_import.IMPORTED_ACTION: (_("Import case"), _("Case imported from earlier records")),
    referral.REFERRED_ACTION: (_("Refer to the ordinary employment effort"),
                                  _("Referred to the ordinary employment effort")),
}


class CaseAnonymised(LogFormatter):
    label = _("Anonymise case")

    def format_message(self, log_entry):
        if (log_entry.data or {}).get("reason") == "retention":
            return _("Case anonymised by the retention policy")
        return _("Case anonymised")


def register(actions):
    for action, (label, message) in ACTIONS.items():
        actions.register_action(action, label, message)
    actions.register_action(retention.ANONYMISED_ACTION)(CaseAnonymised)
