"""The API's own defences, with real sockets: TLS, the connection cap, and the deadline for headers.

A certificate is made in the test with the ``cryptography`` package (self-signed, for 127.0.0.1);
the client trusts exactly it. The cap and the deadline are probed with raw sockets, as an idle or a
slowloris client would hold them; nothing waits on a clock of its own: each check awaits the
server's reaction (an answer or an end of stream) under a bound.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gsmgateway.core.config_sections import ApiConfig
from simulator import SimulatorServer
from tests.app.support import build_gateway, gateway_config, running


def self_signed(directory: Path) -> tuple[Path, Path]:
    """Write a certificate for 127.0.0.1 and its key (PEM); return their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gsmgateway test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def test_the_api_speaks_https_with_the_configured_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    config = gateway_config(tmp_path)
    config = replace(config, api=replace(config.api, tls_cert=str(cert), tls_key=str(key)))
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(config, sim)
        await gateway.start()
        try:
            assert gateway.url.startswith("https://127.0.0.1:")
            trusted = ssl.create_default_context(cafile=str(cert))
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{gateway.url}/health", ssl=trusted) as response:
                    assert response.status == 200
                with pytest.raises(aiohttp.ClientSSLError):  # a client that does not trust it
                    await http.get(f"{gateway.url}/health", ssl=ssl.create_default_context())
                plain = gateway.url.replace("https://", "http://")
                with pytest.raises(aiohttp.ClientError):  # no plain HTTP on the same port
                    await http.get(f"{plain}/health")
        finally:
            await gateway.stop()


async def _read_all(reader: asyncio.StreamReader) -> bytes:
    async with asyncio.timeout(10):
        return await reader.read()  # until the server closes


async def test_connections_over_the_cap_get_503_and_slow_headers_are_cut(tmp_path: Path) -> None:
    config = gateway_config(tmp_path, api=ApiConfig(port=0, max_connections=3, idle_timeout_seconds=0.5))
    async with SimulatorServer(link="memory") as sim:
        gateway = build_gateway(config, sim)
        async with running(gateway) as http:
            port = int(gateway.url.rsplit(":", 1)[1])
            held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
            try:
                # A slowloris: a request line, then headers that never end. Cut within the deadline.
                _, slow_writer = held[0]
                slow_writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                await slow_writer.drain()
                # The cap: three are open, the fourth is answered 503 at once and closed.
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                answer = await _read_all(reader)
                writer.close()
                assert answer.startswith(b"HTTP/1.1 503 "), answer
                assert b"too many open connections" in answer
                for reader, _ in held:  # idle and slow alike are closed by the server, unanswered
                    assert await _read_all(reader) == b""
            finally:
                for _, writer in held:
                    writer.close()
            async with http.get("/health") as response:  # room again
                assert response.status == 200
