"""The work behind the CLI's admin commands (``apikey create|list|revoke``, ``directory import``).

Each returns what the CLI prints, so ``cli.py`` stays parsing only and the commands can be tested
without a subprocess.
"""

from __future__ import annotations

from pathlib import Path

from gsmgateway.core.clock import utc_now
from gsmgateway.core.config import GatewayConfig
from gsmgateway.core.credentials import generate_key, hash_key, parse_scopes
from gsmgateway.core.errors import ValidationError
from gsmgateway.directory.csvimport import import_csv
from gsmgateway.store.api_keys import StoredKey
from gsmgateway.wiring import open_services


async def create_api_key(config: GatewayConfig, *, name: str, scopes: str) -> tuple[int, str]:
    """Create a key with ``scopes`` (comma-separated); return its id and the key, shown only now.

    :raises ValidationError: empty name or unknown scope.
    """
    if not name.strip() or len(name) > 100:
        raise ValidationError("name must be 1-100 characters", field="name")
    wanted = parse_scopes(scopes)
    key = generate_key()
    services = await open_services(config)
    try:
        key_id = await services.api_keys.create(
            name=name.strip(), key_hash=hash_key(key), scopes=wanted, now=utc_now()
        )
    finally:
        await services.close()
    return key_id, key


async def list_api_keys(config: GatewayConfig) -> list[StoredKey]:
    """Return every API key (id, name, scopes, revoked); the keys themselves were never stored."""
    services = await open_services(config)
    try:
        return await services.api_keys.list_keys()
    finally:
        await services.close()


async def revoke_api_key(config: GatewayConfig, key_id: int) -> None:
    """Revoke a key; a running daemon refuses it within a minute (its key cache lives 60 s).

    :raises ValidationError: no active key has that id.
    """
    services = await open_services(config)
    try:
        if not await services.api_keys.revoke(key_id, now=utc_now()):
            raise ValidationError(f"no active API key with id {key_id}", field="id")
    finally:
        await services.close()


def read_csv_file(path: Path) -> str:
    """Read a CSV file as text (UTF-8, with or without a byte-order mark).

    :raises ValidationError: the file cannot be read or is not UTF-8.
    """
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {path}: {exc}") from exc


async def import_directory(config: GatewayConfig, text: str) -> int:
    """Import clients and staff from CSV text, all rows or none; return how many were stored.

    :raises ValidationError: bad header or bad rows (all listed).
    """
    services = await open_services(config)
    try:
        return await import_csv(services.directory, text)
    finally:
        await services.close()
