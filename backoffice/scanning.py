"""Virus scanning of uploaded files.

``get_scanner().scan(fileobj)`` returns a ``ScanResult``; its status values are
those of ``Document.ScanStatus`` so the caller can store them as they are.

ClamAV is spoken to directly over clamd's INSTREAM protocol (a few lines of
socket code) rather than through a client library: one dependency less on
the path every citizen's file takes, and nothing to install on a fresh host.

The scanner never decides whether a file is accepted; ``uploads.py`` does, and
it fails closed: with a scanner configured, "error" refuses the file.
"""

import logging
import socket
import struct
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

CLEAN, INFECTED, ERROR, NOT_SCANNED = "clean", "infected", "error", "not_scanned"
CHUNK_SIZE = 64 * 1024


@dataclass(frozen=True)
class ScanResult:
    status: str  # one of CLEAN, INFECTED, ERROR, NOT_SCANNED
    detail: str = ""  # the virus name when infected, otherwise a note for staff

    @property
    def is_clean(self):
        return self.status == CLEAN


class NullScanner:
    """Used when no virus scanner is configured (development, tests)."""

    enabled = False

    def scan(self, fileobj):
        return ScanResult(NOT_SCANNED, "No virus scanner is configured.")


class ClamdScanner:
    """Streams the file to clamd (TCP or Unix socket) and reads its verdict."""

    enabled = True

    def __init__(self, host=None, port=None, socket_path=None, timeout=None):
        self.host = host if host is not None else getattr(settings, "CLAMD_HOST", "")
        self.port = int(port if port is not None else getattr(settings, "CLAMD_PORT", 3310))
        self.socket_path = socket_path if socket_path is not None else getattr(settings, "CLAMD_SOCKET", "")
        self.timeout = float(timeout if timeout is not None else getattr(settings, "UPLOAD_SCAN_TIMEOUT", 30))

    def scan(self, fileobj):
        # One deadline for the whole exchange: a per-operation time-out alone
        # would let a daemon that trickles bytes hold the citizen's request.
        deadline = time.monotonic() + self.timeout
        try:
            with self._connect() as sock:
                reply = self._instream(sock, fileobj, deadline)
        except TimeoutError:
            return self._error(f"clamd did not answer within {self.timeout:g} s")
        except OSError as exc:
            return self._error(f"clamd connection failed: {exc}")
        finally:
            _rewind(fileobj)
        return self._parse(reply)

    def ping(self):
        """True when clamd answers PING (for health checks)."""
        try:
            with self._connect() as sock:
                sock.sendall(b"zPING\0")
                return _read_reply(sock, time.monotonic() + self.timeout) == "PONG"
        except OSError:
            return False

    def _connect(self):
        if self.socket_path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.socket_path)
            except OSError:
                sock.close()
                raise
            return sock
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    def _instream(self, sock, fileobj, deadline):
        _rewind(fileobj)
        try:
            sock.sendall(b"zINSTREAM\0")
            while chunk := fileobj.read(CHUNK_SIZE):
                sock.settimeout(_remaining(deadline))
                sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            sock.sendall(b"\0\0\0\0")
        except (BrokenPipeError, ConnectionResetError):
            # clamd hangs up early when the stream passes its StreamMaxLength;
            # it has usually said why before closing, so read that.
            pass
        return _read_reply(sock, deadline)

    def _parse(self, reply):
        if reply.endswith(" FOUND"):
            name = reply.removeprefix("stream:").removesuffix(" FOUND").strip()
            logger.warning("Virus found in upload: %s", name)
            return ScanResult(INFECTED, name or "unknown")
        if reply.endswith("OK"):
            return ScanResult(CLEAN, f"ClamAV: {reply}")
        return self._error(f"clamd: {reply or 'no reply'}")

    @staticmethod
    def _error(detail):
        logger.error("Virus scan failed: %s", detail)
        return ScanResult(ERROR, detail)


def _remaining(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _read_reply(sock, deadline):
    """clamd's z-commands end their reply with a NUL byte."""
    data = b""
    while not data.endswith(b"\0") and len(data) < 4096:
        sock.settimeout(_remaining(deadline))
        part = sock.recv(1024)
        if not part:
            break
        data += part
    return data.rstrip(b"\0").decode("utf-8", "replace").strip()


def _rewind(fileobj):
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)


def get_scanner():
    """The configured scanner: UPLOAD_SCANNER (a dotted path to a class) if
    set, ClamAV when CLAMD_HOST or CLAMD_SOCKET is set, otherwise none."""
    path = getattr(settings, "UPLOAD_SCANNER", "")
    if path:
        return import_string(path)()
    if getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""):
        return ClamdScanner()
    return NullScanner()
