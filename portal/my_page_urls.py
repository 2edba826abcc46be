"""URLs of "My page", where citizens follow their applications and cases.
Included at ``my-page/`` inside i18n_patterns."""

from django.urls import path

from . import my_page, my_page_business, my_page_calendar, my_page_consultation
from . import my_page_appeal, my_page_course, my_page_loan
from . import my_page_de_minimis

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
    path("cases/<str:reference>/decisions/<int:pk>/appeal/", my_page_appeal.appeal, name="my_page_appeal"),
    path("cases/<str:reference>/course/", my_page_course.course, name="my_page_course"),
    path("cases/<str:reference>/course/calendar.ics", my_page_course.course_ics, name="my_page_course_ics"),
    path("cases/<str:reference>/business/", my_page_business.business, name="my_page_business"),
    path("cases/<str:reference>/business/account/", my_page_business.business_account,
         name="my_page_business_account"),
    path("cases/<str:reference>/reports/", my_page_business.self_report, name="my_page_self_report"),
    path("cases/<str:reference>/loan/", my_page_loan.loan, name="my_page_loan"),
    path("cases/<str:reference>/de-minimis/", my_page_de_minimis.declaration, name="my_page_de_minimis"),
]
