"""URLs of "My page", where citizens follow their applications and cases.
Included at ``my-page/`` inside i18n_patterns."""

from django.urls import path

from . import my_page, my_page_calendar, my_page_consultation

urlpatterns = [
    path("", my_page.overview, name="my_page"),
    path("export/", my_page.export, name="my_page_export"),
    path("documents/<int:pk>/", my_page.case_document, name="my_page_case_document"),
    path("cases/<str:reference>/", my_page.case_detail, name="my_page_case"),
    path("cases/<str:reference>/messages/", my_page.message, name="my_page_message"),
    path(
        "cases/<str:reference>/requests/<int:pk>/",
        my_page.information_answer,
        name="my_page_information_answer",
    ),
    path("cases/<str:reference>/withdraw/", my_page.withdraw, name="my_page_withdraw"),
    path("cases/<str:reference>/talks/<int:pk>.ics", my_page_calendar.talk_ics, name="my_page_talk_ics"),
    path("cases/<str:reference>/consultation/<int:pk>/", my_page_consultation.consultation,
         name="my_page_consultation"),
]
