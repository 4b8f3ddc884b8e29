"""Secrets kept encrypted at rest: `enc:` values (Fernet) that only the running app opens.

A mailbox password may sit in the environment as plain text, or anywhere else
(a config file, a database row, a deployment manifest) as `enc:<token>` made by
`gateway encrypt-secret`. The key is SECRETS_KEY, or derived from SECRET_KEY when
that is unset. Nothing here logs, and errors never include the secret.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "enc:"


class SecretError(ValueError):
    """An `enc:` value that this key cannot open (wrong key or damaged text)."""


def _fernet(config: Mapping[str, object]) -> Fernet:
    key = str(config.get("SECRETS_KEY") or "")
    if not key:
        digest = hashlib.sha256(b"intake-gateway secrets\0" + str(config["SECRET_KEY"]).encode())
        key = base64.urlsafe_b64encode(digest.digest()).decode()
    return Fernet(key.encode())


def seal(plain: str, config: Mapping[str, object]) -> str:
    """Encrypt `plain` into an `enc:` value."""
    return PREFIX + _fernet(config).encrypt(plain.encode()).decode()


def reveal(value: str, config: Mapping[str, object]) -> str:
    """Return the plain text of an `enc:` value; any other value is returned as it is."""
    if not value.startswith(PREFIX):
        return value
    try:
        return _fernet(config).decrypt(value[len(PREFIX):].encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretError("an enc: secret could not be decrypted with this key "
                          "(check SECRETS_KEY / SECRET_KEY)") from exc


def revealer(config: Mapping[str, object]) -> Callable[[str], str]:
    """Bind `reveal` to a configuration, for code that only holds a value."""
    return lambda value: reveal(value, config)


def key_for_new_install() -> str:
    """Return a fresh random SECRETS_KEY."""
    return Fernet.generate_key().decode()
