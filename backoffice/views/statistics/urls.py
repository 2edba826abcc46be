"""/admin/casework/statistics/: the evaluation report (``evaluation_urls``)
and the funnel, business-account barrier, break-even and budget pages with
their parameters (``planning_urls``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("backoffice.views.statistics.evaluation_urls")),
    path("", include("backoffice.views.statistics.planning_urls")),
]
