"""Statistics URLs (see urls.py)."""

urlpatterns = []
