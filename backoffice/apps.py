from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Case handling")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .registers import checks  # noqa: F401  (registers the system check)
