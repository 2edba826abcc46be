"""Size limits enforced while the upload streams in.

Django's own handlers keep a file in memory (small) or write it to a
temporary file (large) in full, and only then could a form look at its size.
``LimitedFileUploadHandler`` sits first in the chain, counts each file's bytes
as they arrive and drops the file the moment it passes the limit: nothing
beyond the limit is passed on to memory or disk. The rest of the form is kept
(Django's SkipFile skips just that file), so the citizen keeps what they typed.

A dropped file is missing from ``request.FILES``; its error is in
``upload_errors(request)``. Usage in a view (upload handlers must be installed
before anything reads ``request.POST``, and CsrfViewMiddleware does exactly
that, hence the csrf_exempt/csrf_protect pair Django documents for this)::

    @csrf_exempt
    def upload(request):
        install_upload_limits(request, max_total_bytes=remaining_quota)
        return _upload(request)

    @csrf_protect
    def _upload(request):
        form = UploadForm(request.POST, request.FILES)
        for error in upload_errors(request):
            form.add_error(error.field_name, error)
        ...
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from .uploads import MB, UploadRejected, safe_filename


class LimitedFileUploadHandler(FileUploadHandler):
    """Counts and passes chunks on to the next handler; skips a file that
    passes ``max_file_bytes``, or that would take the request's files past
    ``max_total_bytes`` (e.g. what is left of the application's quota)."""

    def __init__(self, request=None, *, max_file_bytes=None, max_total_bytes=None):
        super().__init__(request)
        self.max_file_bytes = max_file_bytes or getattr(settings, "UPLOAD_MAX_FILE_BYTES", 20 * MB)
        self.max_total_bytes = (
            max_total_bytes if max_total_bytes is not None
            else getattr(settings, "UPLOAD_MAX_APPLICATION_BYTES", 100 * MB)
        )
        self.kept_bytes = 0  # sum of the files let through so far
        self.received = 0  # bytes of the current file
        if request is not None and not hasattr(request, "upload_errors"):
            request.upload_errors = []

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_file_bytes:
            self._skip("too_large", variant="larger_than_limit", limit=self.max_file_bytes)
        if self.kept_bytes + self.received > self.max_total_bytes:
            # The whole-request size is not known yet, so say what is left.
            self._skip("quota_exceeded", limit=self.max_total_bytes,
                       left=max(0, self.max_total_bytes - self.kept_bytes), variant="quota_streaming")
        return raw_data

    def file_complete(self, file_size):
        self.kept_bytes += self.received
        return None  # the next handler (memory or temporary file) builds the file

    def _skip(self, code, **params):
        name = safe_filename(self.file_name or "")
        error = UploadRejected(code, name, field_name=self.field_name, **params)
        if self.request is not None:
            self.request.upload_errors.append(error)
        # Django closes (and so deletes) the next handlers' partial files and
        # reads the rest of this file from the client without keeping it.
        raise SkipFile(error.message)


def install_upload_limits(request, **limits):
    """Put a LimitedFileUploadHandler first on ``request``; ``limits`` are its
    keyword arguments. Fails loudly if the body has already been parsed,
    where inserting would silently do nothing."""
    if hasattr(request, "_files"):
        raise RuntimeError(
            "The request body has already been read, so upload limits cannot be installed. "
            "Wrap the view in csrf_exempt and check CSRF inside it with csrf_protect."
        )
    handler = LimitedFileUploadHandler(request, **limits)
    request.upload_handlers.insert(0, handler)
    return handler


def upload_errors(request):
    """The files the handler dropped, as UploadRejected with ``field_name``."""
    return list(getattr(request, "upload_errors", []))
