"""The backoffice's own screens in the Wagtail admin, under /admin/casework/.
The case queue itself is a viewset (``views.queue``); these are the pages
and actions around one case. Each area adds its own line."""

from django.urls import include, path

from .views import assessments, audit, case, decisions, documents, search, talks

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
    path("<int:case_pk>/documents/<int:pk>/", documents.download, name="document"),
    path("<int:case_pk>/documents/<int:pk>/preview/", documents.preview, name="document_preview"),
    path("<int:case_pk>/documents/<int:pk>/inline/", documents.inline, name="document_inline"),
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
]
