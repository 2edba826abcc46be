"""The portal's own views (the rest of the public site is Wagtail pages).
Included inside i18n_patterns, before Wagtail's catch-all."""

from django.urls import include, path

from . import application_views

urlpatterns = [
    path("apply/", application_views.start, name="application_start"),
    path("apply/<uuid:draft_id>/submit/", application_views.submit, name="application_submit"),
    path("apply/<uuid:draft_id>/receipt/", application_views.receipt, name="application_receipt"),
    path("apply/<uuid:draft_id>/documents/<int:document_id>/", application_views.draft_document,
         name="application_document"),
    path("apply/<uuid:draft_id>/<slug:step>/", application_views.step, name="application_step"),
    path("my-page/", include("portal.my_page_urls")),
]
