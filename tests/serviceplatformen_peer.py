"""A local stand-in for Serviceplatformen on 127.0.0.1, so the tests run the
real ``python-serviceplatformen`` over HTTP.

- ``GET /service/PostForespoerg_1/digitalpost?cprNumber=...`` answers
  ``{"result": <registered>}`` (``peer.registered``, default True).
- ``POST /service/KombiPostAfsend_1/memos`` and ``/kombi`` record the raw
  body and headers and answer 200, or what ``peer.plan`` says for the next
  POST: an HTTP status (e.g. 500), or ``"drop"``: read the request and close
  the connection without an answer, as a time-out after the message arrived
  looks to the sender (requests raises ``ConnectionError`` at once); or a
  float: wait that many seconds, then answer 200 (a read time-out when the
  sender's time-out is shorter).

``peer_certificate(path)`` writes a throw-away self-signed certificate and
key as one PEM file: the library wants an existing ``cert_path`` even over
plain HTTP."""

import datetime as dt
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REGISTRATION_PATH = "/service/PostForespoerg_1/digitalpost"
MEMO_PATH = "/service/KombiPostAfsend_1/memos"
KOMBI_PATH = "/service/KombiPostAfsend_1/kombi"


@dataclass
class Received:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes


@dataclass
class Peer:
    url: str = ""
    registered: bool = True
    plan: list = field(default_factory=list)  # what to do with the next POSTs
    received: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self, path=None):
        return [r for r in self.received if r.method == "POST" and (path is None or r.path == path)]

    def lookups(self):
        return [r for r in self.received if r.method == "GET"]


def _handler(peer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # keep the test output clean
            pass

        def _record(self, body=b""):
            parts = urlsplit(self.path)
            with peer.lock:
                peer.received.append(Received(self.command, parts.path, parse_qs(parts.query),
                                              dict(self.headers.items()), body))
            return parts.path

        def _answer(self, status, payload=b""):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            path = self._record()
            if path != REGISTRATION_PATH:
                return self._answer(404)
            self._answer(200, json.dumps({"result": peer.registered}).encode())

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self._record(body)
            if path not in (MEMO_PATH, KOMBI_PATH):
                return self._answer(404)
            with peer.lock:
                step = peer.plan.pop(0) if peer.plan else 200
            if isinstance(step, float):
                time.sleep(step)
                step = 200
            if step == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._answer(int(step))

    return Handler


class running_peer:
    """Context manager: a ``Peer`` served on a free port of 127.0.0.1."""

    def __enter__(self):
        self.peer = Peer()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.peer))
        self.server.daemon_threads = True
        self.peer.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self.peer

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        return False


def peer_certificate(path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-peer")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(path)
