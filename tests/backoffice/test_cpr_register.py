"""The production CPR register (SF1520 PersonLookup) against a local
stand-in for Serviceplatformen on 127.0.0.1, over real mutual TLS: the
stand-in only talks to a client that shows the organisation certificate,
and our client checks the stand-in's server certificate. It answers with
the service's SOAP response and records the envelope it was sent."""

import datetime as dt
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backoffice import registers
from backoffice.registers import RegisterUnavailable

UUIDS = {"CPR_SERVICE_AGREEMENT_UUID": "42571b5d-6371-4edb-8729-1343a3f4c9b9",
         "CPR_USER_SYSTEM_UUID": "99478e20-68e6-41ff-b822-681fb69b8ff2",
         "CPR_USER_UUID": "e3108916-8ed9-4482-8045-7b46c83904b0",
         "CPR_SERVICE_UUID": "9883c483-d42f-424a-9a2a-94d1d200d294"}

ANSWER = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
 <soap:Body>
  <ns2:PersonLookupResponse xmlns:ns2="http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/"
      xmlns:ns3="http://serviceplatformen.dk/xml/schemas/cpr/PNR/1/">
   <ns2:persondata>
    <ns2:navn><ns2:fornavn>Amina</ns2:fornavn><ns2:efternavn>Hansen</ns2:efternavn>
     <ns2:personadresseringsnavn>Amina Hansen</ns2:personadresseringsnavn></ns2:navn>
    <ns2:koen>K</ns2:koen>
    <ns2:status><ns2:status>01</ns2:status><ns2:statusdato>2001-04-01</ns2:statusdato></ns2:status>
    {protection}
   </ns2:persondata>
   <ns2:adresse>
    <ns2:aktuelAdresse>
     <ns2:vejadresseringsnavn>Torvet</ns2:vejadresseringsnavn><ns2:husnummer>003</ns2:husnummer>
     <ns2:etage>2</ns2:etage><ns2:sidedoer>th</ns2:sidedoer>
     <ns2:postnummer>9000</ns2:postnummer><ns2:postdistrikt>Nordby</ns2:postdistrikt>
     <ns2:standardadresse>Torvet 3, 2. th</ns2:standardadresse>
    </ns2:aktuelAdresse>
    {emigrated}
   </ns2:adresse>
  </ns2:PersonLookupResponse>
 </soap:Body>
</soap:Envelope>"""

FAULT = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
 <faultcode>soap:Client</faultcode><faultstring>Invalid invocation context</faultstring>
</soap:Fault></soap:Body></soap:Envelope>"""


def _certificate(common_name, *, ip=None):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=1)))
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
                                        critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


@pytest.fixture
def serviceplatformen(tmp_path, settings, monkeypatch):
    """SF1520 on https://127.0.0.1, requiring the organisation certificate."""
    client_cert, client_key = _certificate("Nordby Kommune - Mikrolån")
    server_cert, server_key = _certificate("127.0.0.1", ip="127.0.0.1")
    (tmp_path / "organisation.pem").write_bytes(client_cert + client_key)
    (tmp_path / "client-ca.pem").write_bytes(client_cert)
    (tmp_path / "server.pem").write_bytes(server_cert + server_key)
    (tmp_path / "server-ca.pem").write_bytes(server_cert)

    peer = {"answer": ANSWER.format(protection="", emigrated=""), "status": 200, "received": [], "peers": []}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            peer["received"].append((self.path, dict(self.headers.items()), body))
            peer["peers"].append(self.connection.getpeercert())
            payload = peer["answer"].encode()
            self.send_response(peer["status"])
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem")
    context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: no organisation certificate, no answer
    context.load_verify_locations(tmp_path / "client-ca.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    settings.CPR_REGISTER = "serviceplatformen"
    settings.SERVICEPLATFORMEN_CERT_PATH = str(tmp_path / "organisation.pem")
    settings.CPR_API_URL = f"https://127.0.0.1:{server.server_address[1]}/service/CPR/PersonBaseDataExtended/5"
    for name, value in UUIDS.items():
        setattr(settings, name, value)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "server-ca.pem"))
    peer["url"] = settings.CPR_API_URL
    peer["dir"] = tmp_path
    yield peer
    server.shutdown()
    server.server_close()


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def test_the_person_comes_from_sf1520_over_mutual_tls(serviceplatformen):
    person = registers.lookup_person("120388-1234")

    assert (person.name, person.address, person.postcode, person.city) == (
        "Amina Hansen", "Torvet 3, 2. th", "9000", "Nordby")
    assert person.status == "active" and not person.protected_address
    path, headers, body = serviceplatformen["received"][0]
    assert path == "/service/CPR/PersonBaseDataExtended/5" and "1203881234" not in path
    assert headers["Content-Type"] == "text/xml; charset=utf-8"
    envelope = ElementTree.fromstring(body)
    values = {_local(e.tag): (e.text or "").strip() for e in envelope.iter()}
    assert values["PNR"] == "1203881234"
    assert values["ServiceAgreementUUID"] == UUIDS["CPR_SERVICE_AGREEMENT_UUID"]
    assert values["UserSystemUUID"] == UUIDS["CPR_USER_SYSTEM_UUID"]
    assert values["UserUUID"] == UUIDS["CPR_USER_UUID"]
    assert values["ServiceUUID"] == UUIDS["CPR_SERVICE_UUID"]
    assert next(e for e in envelope.iter() if _local(e.tag) == "PersonLookupRequest").tag == (
        "{http://serviceplatformen.dk/xml/wsdl/soap11/CPR/PersonBaseDataExtended/5/}PersonLookupRequest")
    # The stand-in saw the organisation certificate.
    subject = dict(pair[0] for pair in serviceplatformen["peers"][0]["subject"])
    assert subject["commonName"] == "Nordby Kommune - Mikrolån"


def test_protected_address_and_emigration_are_read(serviceplatformen):
    serviceplatformen["answer"] = ANSWER.format(
        protection="<ns2:adressebeskyttelse><ns2:startdato>2020-01-01</ns2:startdato></ns2:adressebeskyttelse>",
        emigrated="<ns2:udrejseoplysninger><ns2:udrejsedato>2024-05-01</ns2:udrejsedato></ns2:udrejseoplysninger>")
    person = registers.lookup_person("1203881234")
    assert person.protected_address and person.status == "emigrated"


def test_a_fault_is_register_unavailable_without_the_number(serviceplatformen):
    serviceplatformen["answer"], serviceplatformen["status"] = FAULT, 500
    with pytest.raises(RegisterUnavailable) as refused:
        registers.lookup_person("1203881234")
    assert "soap:Client" in str(refused.value) and "1203881234" not in str(refused.value)


def test_without_the_organisation_certificate_the_register_does_not_answer(serviceplatformen, settings):
    other_cert, other_key = _certificate("Someone else")
    (serviceplatformen["dir"] / "other.pem").write_bytes(other_cert + other_key)
    settings.SERVICEPLATFORMEN_CERT_PATH = str(serviceplatformen["dir"] / "other.pem")
    with pytest.raises(RegisterUnavailable, match="could not be reached"):
        registers.lookup_person("1203881234")
    assert serviceplatformen["received"] == []


def test_a_server_we_do_not_trust_is_not_asked(serviceplatformen, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    with pytest.raises(RegisterUnavailable, match="could not be reached"):
        registers.lookup_person("1203881234")
    assert serviceplatformen["received"] == []


def test_the_provider_names_what_it_is_missing(settings):
    settings.CPR_REGISTER = "serviceplatformen"
    settings.SERVICEPLATFORMEN_CERT_PATH = "/etc/ssl/organisation.pem"
    for name in UUIDS:
        setattr(settings, name, "")
    with pytest.raises(Exception, match="CPR_SERVICE_AGREEMENT_UUID, CPR_USER_SYSTEM_UUID"):
        registers.lookup_person("1203881234")
