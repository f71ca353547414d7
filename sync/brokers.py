"""Local broker processes and test certificates, for tests, benchmarks and the simulator.

Starts the real thing (mosquitto, or NATS server with its MQTT listener) on a free loopback
port with a generated config, waits until it accepts connections, and stops it. Not used by
the daemon itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"broker exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on port {port}")


class BrokerProcess:
    """A broker started from a config file; `stop()`/`start()` again keep the same port."""

    def __init__(self, argv: list[str], port: int, workdir: Path) -> None:
        self.argv = argv
        self.port = port
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "broker.log"

    def start(self, timeout: float = 10.0) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
                self.argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir)
        try:
            wait_port(self.port, timeout, self.proc)
        except (RuntimeError, TimeoutError):
            self.stop()
            raise

    def stop(self, *, hard: bool = False) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def mosquitto(workdir: Path, *, port: int | None = None, extra: str = "", name: str = "mosquitto",
              allow_anonymous: bool = True) -> BrokerProcess:
    """A mosquitto on 127.0.0.1 with `extra` config lines appended (TLS, ACL, bridge...)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    conf = workdir / f"{name}.conf"
    conf.write_text(
        "per_listener_settings false\n"
        # run as root (CI containers), mosquitto would drop to user `mosquitto`, which cannot read
        # the test's private temporary folders
        f"{'user root' + chr(10) if os.geteuid() == 0 else ''}"
        f"allow_anonymous {'true' if allow_anonymous else 'false'}\n"
        "persistence false\n"
        "max_inflight_messages 0\n"
        "max_queued_messages 0\n"
        "log_dest stdout\n"
        "log_type error\nlog_type warning\n"
        f"listener {port} 127.0.0.1\n" + extra)
    return BrokerProcess([MOSQUITTO, "-c", str(conf)], port, workdir)


def nats(workdir: Path) -> BrokerProcess:
    """NATS server with JetStream and its MQTT listener (MQTT 3.1.1, QoS 0/1) on a free port."""
    workdir.mkdir(parents=True, exist_ok=True)
    port, client_port = free_port(), free_port()
    conf = workdir / "nats.conf"
    conf.write_text(
        f'server_name: "lane-edge-test-{port}"\n'
        f"listen: 127.0.0.1:{client_port}\n"
        f'jetstream {{ store_dir: "{workdir / "js"}" }}\n'
        f"mqtt {{ listen: 127.0.0.1:{port} }}\n")
    return BrokerProcess([NATS_SERVER, "-c", str(conf)], port, workdir)


def nats_available() -> bool:
    return os.access(NATS_SERVER, os.X_OK)


# ----------------------------------------------------------------------- certificates


@dataclass(frozen=True, slots=True)
class BrokerPki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def make_pki(folder: Path, *, client_cn: str = "CA-0427-L03") -> BrokerPki:
    """A throw-away CA, a server certificate for 127.0.0.1/localhost and one client certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("lane-edge test CA")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))

    def leaf(cn: str, server: bool) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
        if server:
            names: list[x509.GeneralName] = [x509.DNSName("localhost"),
                                             x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return b.sign(ca_key, hashes.SHA256()), key

    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    server, server_key = leaf("localhost", True)
    client, client_key = leaf(client_cn, False)
    (folder / "server.pem").write_bytes(server.public_bytes(pem))
    (folder / "client.pem").write_bytes(client.public_bytes(pem))
    _write_key(server_key, folder / "server.key")
    _write_key(client_key, folder / "client.key")
    return BrokerPki(folder / "ca.pem", folder / "server.pem", folder / "server.key",
                   folder / "client.pem", folder / "client.key")


def tls_listener(pki: BrokerPki, port: int) -> str:
    """mosquitto lines for an mTLS listener (client certificate required, CN becomes username)."""
    return (f"listener {port} 127.0.0.1\n"
            f"cafile {pki.ca}\ncertfile {pki.server_cert}\nkeyfile {pki.server_key}\n"
            "require_certificate true\nuse_identity_as_username true\n")
