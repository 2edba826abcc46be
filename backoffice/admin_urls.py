"""The backoffice's own screens in the Wagtail admin, under /admin/casework/.
The case queue itself is a viewset (``views.queue``); these are the pages
and actions around one case. Each area adds its own line."""

from django.urls import include, path

from .views import assessments, audit, business, case, decisions, documents, followup, search, talks
from .views import cohorts
from .views import appeals as appeal_views
from .views import loans as loan_views
from .views import collection as collection_views
from .views import allowance as allowance_views
from .views import referral as referral_views
from .views import digital_post as digital_post_views
from .views import registers as register_views
from .views import journal as journal_views
from .views import payments as payment_views

app_name = "backoffice"

urlpatterns = [
    path("<int:pk>/", case.case_detail, name="case"),
    path("<int:pk>/assign/", case.assign, name="case_assign"),
    path("<int:pk>/take/", case.assign_to_me, name="case_take"),
    path("<int:pk>/notes/", case.add_note, name="case_note"),
    path("<int:pk>/requests/", case.request_information, name="case_request"),
    path("<int:pk>/messages/", case.send_message, name="case_message"),
    path("<int:pk>/start/", case.start_assessment, name="case_start"),
    path("<int:pk>/cpr/", case.reveal_cpr, name="case_cpr"),
    path("<int:pk>/registers/<str:kind>/", register_views.fetch_again, name="register_fetch"),
    path("<int:case_pk>/documents/<int:pk>/", documents.download, name="document"),
    path("<int:case_pk>/documents/<int:pk>/preview/", documents.preview, name="document_preview"),
    path("<int:case_pk>/documents/<int:pk>/inline/", documents.inline, name="document_inline"),
    path("<int:case_pk>/kle/", journal_views.set_kle, name="case_kle"),
    path("<int:case_pk>/journal/access/", journal_views.assess_access, name="journal_access"),
    path("<int:case_pk>/case-file/", journal_views.download_case_file, name="case_file"),
    path("find/", search.find_by_cpr, name="find_by_cpr"),
    path("<int:pk>/log/", audit.case_log, name="case_log"),
    path("audit/", audit.staff_index, name="audit_staff"),
    path("audit/<int:user_pk>/", audit.user_log, name="audit_user"),
    path("<int:case_pk>/talks/new/", talks.talk_new, name="talk_new"),
    path("<int:case_pk>/talks/<int:pk>/", talks.talk, name="talk"),
    path("<int:case_pk>/talks/<int:pk>/calendar.ics", talks.talk_ics, name="talk_ics"),
    path("<int:case_pk>/assessments/<str:role>/", assessments.assessment, name="assessment"),
    path("<int:case_pk>/decisions/new/", decisions.new_decision, name="decision_new"),
    path("<int:case_pk>/decisions/<int:pk>/", decisions.decision_detail, name="decision"),
    path("<int:case_pk>/decisions/<int:pk>/consultation/", decisions.send_consultation,
         name="decision_consultation"),
    path("<int:case_pk>/decisions/<int:pk>/final/", decisions.finalise, name="decision_finalise"),
    path("<int:case_pk>/decisions/<int:pk>/delete/", decisions.discard, name="decision_discard"),
    path("<int:case_pk>/appeals/", appeal_views.lodge, name="appeal_lodge"),
    path("<int:case_pk>/appeals/<int:pk>/reassess/", appeal_views.reassess, name="appeal_reassess"),
    path("<int:case_pk>/appeals/<int:pk>/change/", appeal_views.change, name="appeal_change"),
    path("<int:case_pk>/appeals/<int:pk>/uphold/", appeal_views.uphold, name="appeal_uphold"),
    path("<int:case_pk>/appeals/<int:pk>/outcome/", appeal_views.outcome, name="appeal_outcome"),
    path("<int:case_pk>/appeals/<int:pk>/withdraw/", appeal_views.withdraw, name="appeal_withdraw"),
    path("<int:case_pk>/letters/<int:pk>/send-again/", digital_post_views.send_again, name="letter_send_again"),
    path("<int:case_pk>/letters/<int:pk>/printed/", digital_post_views.mark_printed, name="letter_printed"),
    path("<int:case_pk>/loan/grant/", loan_views.grant, name="loan_grant"),
    path("<int:case_pk>/loan/payouts/", loan_views.disbursement_request, name="loan_disbursement_request"),
    path("<int:case_pk>/loan/payouts/<int:pk>/approve/", loan_views.disbursement_approve,
         name="loan_disbursement_approve"),
    path("<int:case_pk>/loan/payouts/<int:pk>/cancel/", loan_views.disbursement_cancel,
         name="loan_disbursement_cancel"),
    path("<int:case_pk>/loan/payments/", loan_views.payment, name="loan_payment"),
    path("<int:case_pk>/loan/write-off/", loan_views.write_off, name="loan_write_off"),
    path("<int:case_pk>/loan/entries/<int:pk>/correct/", loan_views.correct, name="loan_correct"),
    path("loans/import/", loan_views.import_file, name="loan_import"),
    path("loans/collection/", collection_views.overview, name="collection"),
    path("<int:case_pk>/loan/defer/", collection_views.defer, name="loan_defer"),
    path("<int:case_pk>/loan/reschedule/", collection_views.reschedule, name="loan_reschedule"),
    path("<int:case_pk>/loan/claims/<int:pk>/status/", collection_views.claim_status, name="loan_claim_status"),
    path("<int:case_pk>/loan/claims/<int:pk>/file/", collection_views.handover_download, name="loan_claim_file"),
    path("payments/", payment_views.payment_orders, name="payment_orders"),
    path("payments/batches/<int:pk>/", payment_views.batch_download, name="payment_batch"),
    path("<int:case_pk>/allowance/grant/", allowance_views.grant, name="allowance_grant"),
    path("<int:case_pk>/allowance/payments/", allowance_views.payment, name="allowance_payment"),
    path("<int:case_pk>/refer/", referral_views.refer, name="case_refer"),
    path("business/waiting/", business.waiting_for_account, name="business_waiting"),
    path("<int:case_pk>/business/verify/", business.verify_account, name="business_verify"),
    path("<int:case_pk>/follow-ups/plan/", followup.plan, name="follow_up_plan"),
    path("<int:case_pk>/follow-ups/<int:pk>/", followup.follow_up, name="follow_up"),
    path("<int:case_pk>/outcomes/", followup.outcome, name="outcome_record"),
    path("statistics/", include("backoffice.views.statistics.urls")),
    path("cohorts/", cohorts.cohort_list, name="cohorts"),
    path("cohorts/new/", cohorts.cohort_new, name="cohort_new"),
    path("cohorts/<int:pk>/", cohorts.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/edit/", cohorts.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/enrol/", cohorts.enrol, name="cohort_enrol"),
    path("cohorts/<int:pk>/enrolments/<int:enrolment_pk>/end/", cohorts.end_enrolment,
         name="cohort_end_enrolment"),
    path("cohorts/<int:pk>/notes/", cohorts.coaching_note, name="cohort_note"),
    path("cohorts/<int:pk>/sessions/new/", cohorts.session_new, name="cohort_session_new"),
    path("cohorts/<int:pk>/sessions/<int:session_pk>/", cohorts.session_edit, name="cohort_session"),
    path("cohorts/<int:pk>/sessions/<int:session_pk>/attendance/", cohorts.attendance,
         name="cohort_attendance"),
]
