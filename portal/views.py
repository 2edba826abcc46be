import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from . import selectors


@never_cache
@require_GET
def healthz(request):
    """200 when the database and both file storages answer, 503 naming the
    failing part otherwise. Used by load balancers and monitoring."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"

    for alias in ("default", "private"):
        try:
            storage = storages[alias]
            name = storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
            storage.delete(name)
            checks[f"storage_{alias}"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks[f"storage_{alias}"] = f"error: {exc.__class__.__name__}"

    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks},
                        status=200 if healthy else 503)


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /en/accounts/",
        "Disallow: /search/",
        "Disallow: /en/search/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results = None
    if query:
        site = selectors.site_for_request(request)
        results = selectors.paginate(request, selectors.search_pages(site, query), per_page=10)
    return render(request, "portal/search.html", {"query": query, "results": results})


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without context processors: the database may be what failed.
    return HttpResponse(loader.get_template("500.html").render({}), status=500)
