"""Log-privacy guard for the whole test run (a pytest plugin registered from conftest.py).

Every log record of the run, at INFO and above from any library and at DEBUG from our own code, is
scanned as it is emitted, as is the output of the servers the tests start. The run fails at the end
if any of them holds a push token, a web-push endpoint or key, a password, a JWT or coordinates.

Sensitive values are recognised by shape (patterns below) and by value: whatever a request body
carries in a sensitive field (`token`, `endpoint`, `p256dh`, `auth`, `password`, the OTV form's
identity fields) is remembered when the app decodes it, so a leak of an arbitrary test token is
caught too.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.config import DEFAULT_PUSH_HOSTS

DEMO_PASSWORD = "Demo-Gendarmerie-2026!"
# Push credentials, passwords, and what a citizen types into the OTV form.
SENSITIVE_FIELDS = frozenset(
    {"token", "endpoint", "p256dh", "auth", "password", "id_token", "last_name", "phone", "email", "address"}
)
MIN_VALUE_LENGTH = 8  # shorter values ("abc") would match innocent text
OUR_LOGGERS = ("chalicelib", "app", "tools", "run_local", "stop-cambriolages")
PUSH_HOSTS = "(?:" + "|".join(re.escape(h).replace(r"\*", r"[\w.-]*") for h in DEFAULT_PUSH_HOSTS) + ")"
_COORD = r"-?\d{1,3}\.\d{3,}"

PATTERNS: dict[str, re.Pattern[str]] = {
    "JWT": re.compile(r"eyJ[\w-]+\.[\w-]+\."),
    "password": re.compile(re.escape(DEMO_PASSWORD)),
    "web-push endpoint": re.compile(rf"https?://{PUSH_HOSTS}/\S+", re.IGNORECASE),
    "push token or key": re.compile(r"(?<![\w-])[A-Za-z0-9_-]{80,}(?:[:.][A-Za-z0-9_-]{20,})*"),
    "coordinates": re.compile(rf"{_COORD}\s*[,;/ ]\s*{_COORD}"),
    "named coordinate": re.compile(r"\b(?:lat|lon|lng|latitude|longitude)\b[\"']?\s*[=:]\s*[\"']?-?\d", re.IGNORECASE),
}
# Standard LogRecord attributes; anything else on a record came from `extra=` and is scanned too.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def find_leaks(text: str, values: Iterable[str] = ()) -> list[str]:
    """Names of the kinds of sensitive data found in `text` (empty when it is clean)."""
    found = [name for name, pattern in PATTERNS.items() if pattern.search(text)]
    if any(value in text for value in values):
        found.append("a sensitive value sent by a test")
    return found


def sensitive_values(document: Any) -> Iterator[str]:
    """The values of sensitive fields anywhere in a decoded JSON document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key in SENSITIVE_FIELDS and isinstance(value, str) and len(value) >= MIN_VALUE_LENGTH:
                yield value
            yield from sensitive_values(value)
    elif isinstance(document, list):
        for value in document:
            yield from sensitive_values(value)


def record_text(record: logging.LogRecord) -> str:
    """Everything a log formatter could print: message, exception, stack and `extra` fields."""
    try:
        parts = [record.getMessage()]
    except Exception:
        parts = [str(record.msg), repr(record.args)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    parts.extend(f"{k}={v!r}" for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES)
    return "\n".join(parts)


@dataclass
class Leak:
    test: str
    source: str
    kinds: list[str]


@dataclass
class PrivacyGuard:
    """Collects the leaks of the run; the values it knows are added as tests send them."""

    values: set[str] = field(default_factory=set)
    leaks: list[Leak] = field(default_factory=list)
    scanned: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, document: Any) -> None:
        with self.lock:
            self.values.update(sensitive_values(document))

    def inspect(self, source: str, text: str) -> None:
        with self.lock:
            self.scanned += 1
            kinds = find_leaks(text, self.values)
            if kinds:
                test = os.environ.get("PYTEST_CURRENT_TEST", "(outside a test)")
                self.leaks.append(Leak(test=test, source=source, kinds=kinds))

    def report(self) -> str:
        lines = [f"{leak.test}: {leak.source}: {', '.join(leak.kinds)}" for leak in self.leaks[:20]]
        more = len(self.leaks) - len(lines)
        return "\n".join(lines + ([f"... and {more} more"] if more > 0 else []))


GUARD = PrivacyGuard()


class _GuardHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        GUARD.inspect(f"log record of {record.name} ({record.levelname})", record_text(record))


def inspect_output(source: str, text: str) -> None:
    """Scan what a server started by the tests printed (its logs), line by line."""
    for number, line in enumerate(text.splitlines(), start=1):
        GUARD.inspect(f"{source}, line {number}", line)


@pytest.fixture(scope="session", autouse=True)
def log_privacy_guard() -> Iterator[PrivacyGuard]:
    """Watch every log record of the run; fail the run at the end if one leaked sensitive data."""
    from chalicelib import validation

    root = logging.getLogger()
    handler = _GuardHandler(level=logging.DEBUG)
    previous_levels = {name: logging.getLogger(name).level for name in ("", *OUR_LOGGERS)}
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    decode_json = validation.decode_json

    def remembering_decode_json(raw: bytes | None) -> Any:
        document = decode_json(raw)
        GUARD.remember(document)
        return document

    validation.decode_json = remembering_decode_json  # type: ignore[assignment]
    try:
        yield GUARD
    finally:
        validation.decode_json = decode_json  # type: ignore[assignment]
        root.removeHandler(handler)
        for name, level in previous_levels.items():
            logging.getLogger(name).setLevel(level)
    if GUARD.leaks:
        pytest.fail(f"sensitive data in the logs of this run ({len(GUARD.leaks)} records):\n{GUARD.report()}")
