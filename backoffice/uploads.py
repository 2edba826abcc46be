"""Validation of citizens' uploads (business plan, budget, CV, ...).

``validate_upload(f)`` returns a ``ValidatedUpload`` to store, or raises
``UploadRejected`` whose message tells the citizen which file, what is wrong
and what to do. Decisions, and why:

* The type comes from the content (magic bytes and structure), never from the
  name or the browser's Content-Type, which anyone can set.
* A name whose extension names another type than the content is refused
  ("name_mismatch"), not silently renamed: it is how disguised files work,
  and for an honest citizen it usually means the wrong file was picked (a
  screenshot instead of the budget). Extensions we do not know ("Budget
  2024.03.15") are treated as part of the name and the real extension is
  appended.
* Office files are zip archives; only the central directory is read, never
  the members, so a zip bomb costs nothing to refuse.
* Images are decoded and re-encoded: that drops EXIF (GPS position), text
  chunks and anything smuggled after the image data.
* The virus scan runs before any decoder touches the data (defence in depth
  for Pillow) and fails closed when a scanner is configured.
"""

import hashlib
import io
import logging
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile, File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from .scanning import CLEAN, ERROR, INFECTED, ScanResult, get_scanner

logger = logging.getLogger(__name__)

MB = 1024 * 1024
DEFAULT_ALLOWED_TYPES = ("pdf", "docx", "odt", "xlsx", "ods", "jpg", "png")


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extensions: tuple  # the first one is added to names without an extension
    label: str  # how the citizen knows the type


KINDS = {k.name: k for k in (
    FileKind("pdf", "application/pdf", ("pdf",), _("PDF")),
    FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             ("docx",), _("Word (.docx)")),
    FileKind("odt", "application/vnd.oasis.opendocument.text", ("odt",), _("OpenDocument text (.odt)")),
    FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             ("xlsx",), _("Excel (.xlsx)")),
    FileKind("ods", "application/vnd.oasis.opendocument.spreadsheet", ("ods",),
             _("OpenDocument spreadsheet (.ods)")),
    FileKind("jpg", "image/jpeg", ("jpg", "jpeg"), _("JPG picture")),
    FileKind("png", "image/png", ("png",), _("PNG picture")),
)}

# Extensions that name a file type. Only these count as "the name says it is
# X"; anything else after the last dot is just part of the name.
KNOWN_EXTENSIONS = {t.extension.lower() for t in filetype.types} | {
    ext for kind in KINDS.values() for ext in kind.extensions
} | {"txt", "csv", "html", "htm", "xml", "svg", "js", "json", "pages", "numbers", "key", "doc", "docm",
     "xlsm", "rtf", "msg", "eml", "bat", "cmd", "com", "scr", "msi", "dll", "ps1", "vbs", "sh", "jar",
     "apk", "lnk", "iso", "img", "heif", "tiff", "jfif"}

MESSAGES = {
    "empty": _("The file '%(name)s' is empty (0 bytes). Check that you chose the right file, "
               "or save it again, and try again."),
    "too_large": _("The file '%(name)s' is %(size)s. The limit is %(limit)s per file. Make the file "
                   "smaller, for example by saving it as PDF or taking the picture in lower quality, "
                   "or split it into several files, and try again."),
    "larger_than_limit": _("The file '%(name)s' is larger than %(limit)s, which is the limit per file. "
                           "Make the file smaller, for example by saving it as PDF or taking the "
                           "picture in lower quality, or split it into several files, and try again."),
    "quota_exceeded": _("The file '%(name)s' (%(size)s) does not fit: the files in one application may "
                        "take up %(limit)s in all, and %(left)s is left. Remove a file you do not need, "
                        "or make this one smaller, and try again."),
    "quota_streaming": _("The file '%(name)s' does not fit: the files in one application may take up "
                         "%(limit)s in all, and %(left)s was left. Remove a file you do not need, or "
                         "make this one smaller, and try again."),
    "type_not_allowed": _("The file '%(name)s' is not a type we accept. We accept %(types)s. "
                          "Save it in one of these formats and try again."),
    "type_disguised": _("The file '%(name)s' is not a real %(claimed)s file, even though its name ends "
                        "in .%(ext)s. It may be damaged, or another kind of file that has been renamed. "
                        "We accept %(types)s. Open it and save it in one of these formats, and try again."),
    "legacy_office": _("The file '%(name)s' is in an old Word or Excel format (.doc or .xls), or it is "
                       "protected with a password. Open it, remove any password, save it as Word "
                       "(.docx), Excel (.xlsx) or PDF, and try again."),
    "name_mismatch": _("The file '%(name)s' is really a %(actual)s, but its name ends in .%(ext)s. "
                       "Check that you chose the right file. If you did, rename it so the name ends in "
                       ".%(right_ext)s, and try again."),
    "macros": _("The file '%(name)s' contains macros (small programs), which we do not accept because "
                "they can carry viruses. Save it as an ordinary Word (.docx) or Excel (.xlsx) file, or as "
                "PDF, and try again."),
    "zip_bomb": _("The file '%(name)s' unpacks to far more data than a normal document, so we cannot "
                  "accept it. Save it again as PDF and try again."),
    "unsafe_archive": _("The file '%(name)s' contains parts that a normal document does not have, so "
                        "we cannot accept it. Save it again as PDF and try again."),
    "encrypted": _("The file '%(name)s' is protected with a password, so we cannot read it. Remove the "
                   "password, save the file, and try again."),
    "image_too_large": _("The picture '%(name)s' is %(width)s × %(height)s pixels; the limit is "
                         "%(max_mp)s million pixels. Make the picture smaller (on a phone: choose a "
                         "smaller size when you send it) and try again."),
    "image_far_too_large": _("The picture '%(name)s' has far more pixels than we can handle; the limit "
                             "is %(max_mp)s million pixels. Make the picture smaller and try again."),
    "corrupt": _("The file '%(name)s' seems to be damaged, and we cannot open it. Open it on your own "
                 "device to check it, save it again, and try again."),
    "infected": _("The file '%(name)s' contains a virus (%(virus)s) and cannot be accepted. Check your "
                  "device with an antivirus program, and upload a clean copy of the document."),
    "scan_failed": _("We could not check the file '%(name)s' for viruses right now. "
                     "Try again in a few minutes."),
}


class UploadRejected(ValidationError):
    """A refused file. A ValidationError, so a form's ``clean_<field>`` can let
    it propagate; ``.code`` is for code and logs, ``.message`` for the citizen."""

    def __init__(self, code, name, *, variant=None, scan=None, field_name=None, **params):
        self.name = name
        self.scan = scan  # the ScanResult when the scan refused the file
        self.field_name = field_name  # set by the streaming handler
        params = {k: filesizeformat(v) if k in ("size", "limit", "left") else v for k, v in params.items()}
        # Formatted now, in the language of the current request.
        super().__init__(str(MESSAGES[variant or code]) % {"name": name, **params}, code=code)

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class ValidatedUpload:
    original_name: str  # safe display name, with the right extension
    kind: str
    content_type: str
    extension: str
    size: int  # of ``content``
    sha256: str  # of ``content``
    content: File  # what to store: the upload itself, or the re-encoded image
    scan: ScanResult

    def document_fields(self):
        """Keyword arguments for ``Document(case=..., kind=..., **fields)``."""
        return {
            "file": self.content, "original_name": self.original_name, "content_type": self.content_type,
            "size": self.size, "sha256": self.sha256, "scan_status": self.scan.status,
            "scan_detail": self.scan.detail,
        }


def allowed_kinds():
    names = getattr(settings, "UPLOAD_ALLOWED_TYPES", DEFAULT_ALLOWED_TYPES)
    if unknown := set(names) - set(KINDS):
        # A typo must not quietly stop every Word file from being accepted.
        raise ImproperlyConfigured(f"UPLOAD_ALLOWED_TYPES: unknown {sorted(unknown)}; known: {list(KINDS)}")
    return [KINDS[n] for n in names]


def validate_upload(uploaded_file, *, already_used_bytes=0, scanner=None):
    """Check one uploaded file; raise UploadRejected or return what to store.

    ``already_used_bytes``: the size of the files already on the application.
    ``scanner``: defaults to ``scanning.get_scanner()``.
    """
    try:
        return _validate(uploaded_file, already_used_bytes, scanner or get_scanner())
    except UploadRejected as exc:
        # The code only: the file name itself can be personal data.
        logger.info("Upload refused: %s", exc.code)
        raise


def _validate(uploaded_file, already_used_bytes, scanner):
    name = safe_filename(uploaded_file.name or "")
    size = uploaded_file.size or 0
    _check_size(name, size, already_used_bytes)

    kind = _detect_kind(uploaded_file, name)
    extension = _split_ext(name)[1]
    if extension not in KNOWN_EXTENSIONS:
        extension = kind.extensions[0]
        name = safe_filename(f"{name}.{extension}")

    scan = _scan(uploaded_file, name, scanner)

    content = _reencode_image(uploaded_file, name, kind) if kind.name in ("jpg", "png") else uploaded_file
    content.seek(0)
    digest, stored_size = hashlib.sha256(), 0
    for chunk in content.chunks():
        digest.update(chunk)
        stored_size += len(chunk)
    content.seek(0)
    return ValidatedUpload(name, kind.name, kind.content_type, extension, stored_size, digest.hexdigest(),
                           content, scan)


def _check_size(name, size, already_used):
    max_file = getattr(settings, "UPLOAD_MAX_FILE_BYTES", 20 * MB)
    max_total = getattr(settings, "UPLOAD_MAX_APPLICATION_BYTES", 100 * MB)
    if size == 0:
        raise UploadRejected("empty", name)
    if size > max_file:
        # "is 20.0 MB. The limit is 20.0 MB" would puzzle anyone: say "larger".
        same = filesizeformat(size) == filesizeformat(max_file)
        raise UploadRejected("too_large", name, size=size, limit=max_file,
                             variant="larger_than_limit" if same else None)
    if already_used + size > max_total:
        raise UploadRejected("quota_exceeded", name, size=size, limit=max_total,
                             left=max(0, max_total - already_used))


def _detect_kind(f, name):
    """The file's kind from its content; refuses disallowed types and names
    whose known extension disagrees with the content."""
    f.seek(0)
    head = f.read(8192)
    ext = _split_ext(name)[1]
    allowed = {k.name: k for k in allowed_kinds()}
    types = ", ".join(str(k.label) for k in allowed.values())
    guess = filetype.guess(head)
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif guess and guess.extension in ("jpg", "png", "apng"):
        kind = "png" if guess.extension == "apng" else guess.extension
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(f, name)
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE: .doc/.xls, or encrypted Office
        raise UploadRejected("type_not_allowed", name, variant="legacy_office")
    else:
        kind = None

    if kind not in allowed:
        claimed = next((k for k in allowed.values() if ext in k.extensions), None)
        if kind is None and claimed:
            raise UploadRejected("type_not_allowed", name, variant="type_disguised",
                                 claimed=claimed.label, ext=ext, types=types)
        raise UploadRejected("type_not_allowed", name, types=types)
    kind = allowed[kind]
    if ext in KNOWN_EXTENSIONS and ext not in kind.extensions:
        raise UploadRejected("name_mismatch", name, actual=kind.label, ext=ext, right_ext=kind.extensions[0])
    if kind.name == "pdf":
        _check_pdf(f, name)
    return kind


def _check_pdf(f, name):
    # A PDF ends with %%EOF (a few bytes of padding may follow); without it the
    # file was cut off, typically an interrupted download or save.
    f.seek(max(0, f.size - 2048))
    if b"%%EOF" not in f.read():
        raise UploadRejected("corrupt", name)


def _zip_kind(f, name):
    """Kind of an Office/OpenDocument file, from the zip's central directory."""
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as zf:
            infos = zf.infolist()
            _check_archive(infos, f.size, name)
            names = {i.filename for i in infos}
            mimetype = ""
            if infos and infos[0].filename == "mimetype" and infos[0].file_size < 100:
                mimetype = zf.read(infos[0]).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError):
        raise UploadRejected("corrupt", name) from None
    parts = {n.split("/", 1)[0] for n in names}
    if mimetype:  # OpenDocument: its type, stored uncompressed, as the first entry
        kind = _ODF_TYPES.get(mimetype) if "content.xml" in names else None
    elif "[Content_Types].xml" in names:  # Office Open XML
        kind = "docx" if "word" in parts else "xlsx" if "xl" in parts else None
    else:
        kind = None
    if kind:
        _check_macros(names, name)
    return kind


_ODF_TYPES = {"application/vnd.oasis.opendocument.text": "odt",
              "application/vnd.oasis.opendocument.spreadsheet": "ods"}


def _check_macros(names, name):
    # Macros and ActiveX controls run code on the caseworker's machine. Word
    # and Excel keep them in vbaProject.bin / activeX/, OpenDocument in
    # Basic/ and Scripts/; a .docm renamed .docx still has them.
    for entry in names:
        lower = entry.lower()
        if (lower.endswith("vbaproject.bin") or "/activex/" in f"/{lower}"
                or lower.startswith(("basic/", "scripts/"))):
            raise UploadRejected("macros", name)


_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_archive(infos, archive_size, name):
    if len(infos) > getattr(settings, "UPLOAD_ZIP_MAX_ENTRIES", 1000):
        raise UploadRejected("zip_bomb", name)
    total = sum(i.file_size for i in infos)
    if total > getattr(settings, "UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES", 200 * MB):
        raise UploadRejected("zip_bomb", name)
    # The ratio is only meaningful for sizes that could hurt: a 20 kB letter
    # unpacking to 3 MB of repeated XML is normal and harmless.
    if total > MB and total / max(archive_size, 1) > getattr(settings, "UPLOAD_ZIP_MAX_RATIO", 100):
        raise UploadRejected("zip_bomb", name)
    seen = set()
    for info in infos:
        path = info.filename
        if (path.startswith("/") or "\\" in path or _DRIVE.match(path) or ".." in path.split("/")
                or any(ord(c) < 32 for c in path) or path in seen
                or (info.external_attr >> 16) & 0o170000 == 0o120000):  # a symlink
            raise UploadRejected("unsafe_archive", name)
        if info.flag_bits & 0x1:  # encrypted entry: nothing (not even the scanner) can read it
            raise UploadRejected("encrypted", name)
        seen.add(path)


def _scan(f, name, scanner):
    f.seek(0)
    result = scanner.scan(f)
    f.seek(0)
    if result.status == INFECTED:
        raise UploadRejected("infected", name, virus=result.detail, scan=result)
    # Fail closed: with a scanner configured, only "clean" lets a file in, so
    # nothing slips through while clamd is down or slow.
    if result.status == ERROR or (getattr(scanner, "enabled", True) and result.status != CLEAN):
        raise UploadRejected("scan_failed", name, scan=result)
    return result


def _reencode_image(f, name, kind):
    """Decode and encode again, so only pixels survive: no EXIF (GPS), no
    comments, no text chunks, nothing appended after the image data."""
    max_pixels = getattr(settings, "UPLOAD_MAX_IMAGE_PIXELS", 40_000_000)
    formats = ["JPEG", "MPO"] if kind.name == "jpg" else ["PNG"]  # MPO: iPhone JPEGs
    try:
        f.seek(0)
        with Image.open(f, formats=formats) as img:
            width, height = img.size
            if width * height > max_pixels:  # checked on the header, before decoding
                raise UploadRejected("image_too_large", name, width=width, height=height,
                                     max_mp=f"{max_pixels / 1e6:g}")
            img.verify()
        f.seek(0)
        out = io.BytesIO()
        with Image.open(f, formats=formats) as img:
            # Turn it the way the phone showed it; in place, to hold one copy
            # of the pixels in memory rather than two.
            ImageOps.exif_transpose(img, in_place=True)
            transparency = img.info.get("transparency") if kind.name == "png" else None
            img.info = {"transparency": transparency} if transparency is not None else {}
            if kind.name == "jpg":
                (img if img.mode in ("RGB", "L") else img.convert("RGB")).save(out, "JPEG", quality=90)
            else:
                img.save(out, "PNG")
    except Image.DecompressionBombError:
        # Pillow's own global limit, hit before ours could be checked.
        raise UploadRejected("image_too_large", name, variant="image_far_too_large",
                             max_mp=f"{max_pixels / 1e6:g}") from None
    except (OSError, SyntaxError, ValueError, EOFError):  # includes UnidentifiedImageError
        raise UploadRejected("corrupt", name) from None
    return ContentFile(out.getvalue(), name=name)


_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"{p}{i}" for p in ("COM", "LPT") for i in range(10))}


def _split_ext(name):
    stem, ext = os.path.splitext(name)
    return stem, ext[1:].lower()


def safe_filename(name, max_length=100):
    """A file name safe to show and to send in Content-Disposition: no path,
    no control or direction-changing characters (which can make 'gpj.exe'
    look like 'exe.jpg'), nothing Windows forbids, Danish letters kept."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(c)[0] == "Z" else c for c in name
                   if unicodedata.category(c)[0] != "C")
    name = re.sub(r"\s+", " ", _UNSAFE_CHARS.sub("_", name)).strip(" .")
    stem, ext = os.path.splitext(name)
    if len(ext) > 11:  # not a real extension: keep it as part of the name
        stem, ext = name, ""
    stem = stem.strip(" .")[: max(1, max_length - len(ext))].rstrip(" .")
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    return f"{stem or 'document'}{ext}"
