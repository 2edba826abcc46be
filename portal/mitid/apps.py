from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MitIDConfig(AppConfig):
    name = "portal.mitid"
    label = "mitid"
    verbose_name = _("MitID sign-in")

    def ready(self):
        from . import signals  # noqa: F401
