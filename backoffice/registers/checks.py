"""``manage.py check`` (and every server start) says when a register
provider is misconfigured, instead of the first submission's task failing
quietly in the worker's log."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def registers_configured(app_configs=None, **kwargs):
    from . import company_register, person_register

    errors = []
    for setting, make in (("CPR_REGISTER", person_register), ("CVR_REGISTER", company_register)):
        try:
            make()
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), hint=f"Set {setting} (README, environment variables).",
                                id=f"backoffice.E{'101' if setting == 'CPR_REGISTER' else '102'}"))
    return errors
