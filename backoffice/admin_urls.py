"""The backoffice's own screens in the Wagtail admin, under /admin/cases/.
The case queue itself is a viewset (``views.queue``); these are the pages
and actions around one case. Each area adds its own line."""

from django.urls import include, path

app_name = "backoffice"

urlpatterns = [
]
