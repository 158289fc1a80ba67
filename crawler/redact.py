"""Keep secrets out of everything a crawl writes: logs, manifest, ledger, WARC records.

Two kinds of secret are recognised:

* the value of a setting whose name says it is one (``AWS_SECRET_ACCESS_KEY``, ``MAIL_PASS``,
  ``…_TOKEN``, ``…PASSWORD…``, a ``password``, ``Authorization`` or ``Cookie`` key inside a dict
  setting such as ``DEFAULT_REQUEST_HEADERS``, also when ``-s`` gives the dict as JSON text:
  :func:`holds_secret`);
* the user-info part of a URL (``http://user:pass@host/``), wherever it appears.

:func:`redact_config` copies a configuration with both removed (for the manifest and the
ledger); :func:`strip_userinfo` drops the user-info of one URL (WARC request records);
:class:`RedactingLogRecords` makes every log record of the process redact its message wherever a
handler formats it (Scrapy's ``Overridden settings`` line prints every ``-s`` value, and Scrapy
re-installs its root log handler while a crawl starts, so a filter on a handler would not stay
in place).
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "REDACTED",
    "RedactingLogRecords",
    "holds_secret",
    "is_secret_name",
    "redact_config",
    "redact_text",
    "secret_values",
    "strip_userinfo",
]

REDACTED = "***"

_SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|API_KEY|_PASS$"
    r"|AUTHORIZATION|^COOKIE$",
    re.IGNORECASE,
)
# A secret-named key inside text that looks like JSON but does not parse.
_SECRET_WORD = re.compile(
    r"SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|API_KEY"
    r"|AUTHORIZATION|[\"']COOKIE[\"']",
    re.IGNORECASE,
)
# scheme://userinfo@ — userinfo never holds '/', '@' or white space.
_USERINFO = re.compile(r"(?<=://)[^/@\s'\"<>]+@")
# user:password@host without a scheme, as some errors print a netloc ("invalid hostname: …").
_BARE_USERINFO = re.compile(r"(?<![\w.:/-])[\w.%~+-]+:[^/@\s'\"<>]+@(?=[\w\[])")
_MIN_SECRET = 4  # shorter values ("", "0", "no") would blank out ordinary text


def is_secret_name(name: str) -> bool:
    """True for a setting (or dict key) whose value must never be shown or stored."""
    return bool(_SECRET_NAME.search(name))


def holds_secret(name: str, value: Any) -> bool:
    """Whether setting ``name`` with ``value`` (as given, e.g. by ``-s``) holds a secret: its name
    says so, or the value is a dict (or JSON text of one, or text that looks like JSON and names
    a secret key, as a malformed JSON value may) with a secret-named key somewhere inside."""
    if is_secret_name(name):
        return True
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith(("{", "[")):
            return False
        try:
            value = json.loads(text)
        except ValueError:
            return bool(_SECRET_WORD.search(text))
    return bool(secret_values({"_": value}))


def strip_userinfo(url: str) -> str:
    """``url`` without ``user:password@`` (unchanged when it has none)."""
    if "@" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def redact_config(value: Any) -> Any:
    """A plain copy of ``value`` with secret-named entries masked and URL user-info removed."""
    if isinstance(value, str):
        return _USERINFO.sub("", value)
    if isinstance(value, list | tuple):
        return [redact_config(v) for v in value]
    if hasattr(value, "copy_to_dict"):  # a Scrapy BaseSettings inside a setting
        value = value.copy_to_dict()
    if isinstance(value, dict):
        return {
            k: (REDACTED if v not in (None, "") else v)
            if is_secret_name(str(k))
            else redact_config(v)
            for k, v in value.items()
        }
    return value


def secret_values(config: Mapping[str, Any]) -> set[str]:
    """The values of the secret-named entries of ``config`` (nested dicts too), as text."""
    found: set[str] = set()

    def walk(value: Any, secret: bool) -> None:
        if hasattr(value, "copy_to_dict"):
            value = value.copy_to_dict()
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, secret or is_secret_name(str(k)))
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v, secret)
        elif secret and value is not None and len(str(value)) >= _MIN_SECRET:
            found.add(str(value))

    walk(dict(config), False)
    return found


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret value and every URL user-info masked."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "@" in text:
        text = _USERINFO.sub(f"{REDACTED}@", text)
        text = _BARE_USERINFO.sub(f"{REDACTED}@", text)
    return text


class _RedactedRecord(logging.LogRecord):
    """A log record whose message is redacted when a handler formats it, and only then: most
    records of a crawl (Scrapy's per-item debug lines, each with the whole item) are never
    emitted, and formatting each of them to redact it cost more than the crawl's JSON Lines."""

    secrets: tuple[str, ...]

    def getMessage(self) -> str:
        return redact_text(super().getMessage(), self.secrets)


class RedactingLogRecords:
    """While installed, every log record's message has the given secrets masked.

    Installed as the process's log-record factory, so it applies whatever handlers Scrapy
    (re)installs; :meth:`uninstall` puts the previous factory back. The message is redacted
    where it is formatted (:meth:`logging.LogRecord.getMessage`), so a record no handler emits
    costs nothing more.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first: a secret that contains another is masked whole.
        self.secrets = tuple(
            sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True)
        )
        self._previous: Any = None

    def install(self) -> None:
        self._previous = logging.getLogRecordFactory()
        previous = self._previous
        secrets = self.secrets

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record: logging.LogRecord = previous(*args, **kwargs)
            if type(record) is logging.LogRecord:
                record.__class__ = _RedactedRecord
                record.secrets = secrets
                return record
            # Another factory's record class: redact it now, whether it is emitted or not.
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # a bad format string: leave it to the handler
                return record
            redacted = redact_text(message, secrets)
            if redacted != message:
                record.msg, record.args = redacted, None
            return record

        logging.setLogRecordFactory(factory)

    def uninstall(self) -> None:
        if self._previous is not None:
            logging.setLogRecordFactory(self._previous)
            self._previous = None
