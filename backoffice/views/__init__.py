"""Staff views in the Wagtail admin. Each module is one screen or one
group of actions on a case; every one finds its case through
``backoffice.views.access`` so municipality scoping lives in one place."""
