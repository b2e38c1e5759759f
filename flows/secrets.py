"""Secrets never shown: passwords in connection strings and the F1 account, masked in any text."""

from __future__ import annotations

import re

_secrets: set[str] = set()


def hide_secret(value: str) -> None:
    """Mask ``value`` wherever ``redact`` runs (logs, error lines): the F1 account's password."""
    if value:
        _secrets.add(value)


def redact(text: str) -> str:
    """Hide any password in a connection URL or libpq keyword string, and every hidden secret."""
    text = re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)
    text = re.sub(r"(password\s*=\s*)\S+", r"\1***", text, flags=re.IGNORECASE)
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text
