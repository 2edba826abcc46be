"""Settings package: base (shared), dev (embedded default), test, production.

``DJANGO_SETTINGS_MODULE`` picks one; manage.py defaults to ``config.settings.dev``.
"""
