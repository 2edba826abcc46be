"""Sending a private file to the browser.

Every download of a citizen's file goes through a view that has already
checked who may see it; this builds the response those views return."""

from django.http import FileResponse, Http404

from .uploads import safe_filename


def private_file_response(field_file, filename, content_type="application/octet-stream"):
    """An attachment download of ``field_file`` (a FieldFile in private
    storage) under a safe ``filename``.

    Always an attachment and never sniffed, so a crafted file cannot run as
    a page on our domain; never cached by shared caches."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("File missing from storage") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=safe_filename(filename or "document"),
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
