"""Kafka client configuration with security, from :class:`KafkaSettings`, for every client.

One source of truth for how ragstream talks to the broker:

* :func:`confluent_config` - the librdkafka dict for ``confluent_kafka`` Producer, Consumer and
  AdminClient (connectors, readers, admin, lag, the dead-letter tools);
* :func:`faust_broker_args` - ``broker`` and ``broker_credentials`` for ``faust.App`` (the
  worker); :func:`aiokafka_args` - the same for a bare aiokafka client.

Security protocols: PLAINTEXT, SSL (TLS, optionally mutual with ``ssl_cert_file`` and
``ssl_key_file``), SASL_PLAINTEXT and SASL_SSL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).
Passwords live in ``SecretStr`` fields and are revealed only inside the dicts handed to the
client libraries; :class:`ClientConfig` masks them in ``repr``/``str`` so a dict that ends up
in a log line or a traceback does not carry them. :func:`describe` is the loggable summary.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

from infra.settings import KafkaSettings

SECRET_KEYS = frozenset({"sasl.password", "ssl.key.password", "sasl_plain_password"})
_MASK = "**********"


class KafkaSecurityError(ValueError):
    """The security settings are incomplete or contradict each other."""


class ClientConfig(dict[str, Any]):
    """A client configuration dict whose ``repr`` masks passwords (it is a plain dict else)."""

    def __repr__(self) -> str:
        shown = {k: (_MASK if k in SECRET_KEYS and v else v) for k, v in self.items()}
        return repr(shown)

    __str__ = __repr__


def uses_sasl(settings: KafkaSettings) -> bool:
    return settings.security_protocol.startswith("SASL_")


def uses_tls(settings: KafkaSettings) -> bool:
    return settings.security_protocol in ("SSL", "SASL_SSL")


def check(settings: KafkaSettings) -> None:
    """Raise :class:`KafkaSecurityError` naming what is missing or inconsistent."""
    protocol = settings.security_protocol
    if uses_sasl(settings):
        missing = [
            name
            for name, value in (
                ("kafka.sasl_username", settings.sasl_username),
                ("kafka.sasl_password", settings.sasl_password),
            )
            if not value
        ]
        if missing:
            raise KafkaSecurityError(f"security_protocol {protocol} needs {', '.join(missing)}")
    if not uses_tls(settings):
        tls_only = [
            name
            for name, value in (
                ("ssl_ca_file", settings.ssl_ca_file),
                ("ssl_cert_file", settings.ssl_cert_file),
                ("ssl_key_file", settings.ssl_key_file),
            )
            if value is not None
        ]
        if tls_only:
            raise KafkaSecurityError(
                f"{', '.join(tls_only)} set but security_protocol {protocol} does not use TLS "
                "(use SSL or SASL_SSL)"
            )
    if (settings.ssl_cert_file is None) != (settings.ssl_key_file is None):
        raise KafkaSecurityError("ssl_cert_file and ssl_key_file go together (mutual TLS)")
    for name in ("ssl_ca_file", "ssl_cert_file", "ssl_key_file"):
        path = getattr(settings, name)
        if path is not None and not path.is_file():
            raise KafkaSecurityError(f"kafka.{name} {path} is not a readable file")


def confluent_config(
    settings: KafkaSettings, extra: Mapping[str, Any] | None = None
) -> ClientConfig:
    """librdkafka settings: ``bootstrap.servers``, the security settings, then ``extra``
    (librdkafka names, e.g. ``{"group.id": "g", "enable.idempotence": True}``)."""
    check(settings)
    conf = ClientConfig({"bootstrap.servers": settings.bootstrap_servers})
    conf["security.protocol"] = settings.security_protocol
    if uses_sasl(settings):
        assert settings.sasl_password is not None  # check() ensured it
        conf["sasl.mechanism"] = settings.sasl_mechanism
        conf["sasl.username"] = settings.sasl_username
        conf["sasl.password"] = settings.sasl_password.get_secret_value()
    if uses_tls(settings):
        if settings.ssl_ca_file is not None:
            conf["ssl.ca.location"] = str(settings.ssl_ca_file)
        if settings.ssl_cert_file is not None and settings.ssl_key_file is not None:
            conf["ssl.certificate.location"] = str(settings.ssl_cert_file)
            conf["ssl.key.location"] = str(settings.ssl_key_file)
        if settings.ssl_key_password is not None:
            conf["ssl.key.password"] = settings.ssl_key_password.get_secret_value()
        conf["ssl.endpoint.identification.algorithm"] = (
            "https" if settings.ssl_check_hostname else "none"
        )
    conf.update(extra or {})
    return conf


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    """The TLS context for aiokafka/Faust (None without TLS)."""
    check(settings)
    if not uses_tls(settings):
        return None
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH,
        cafile=str(settings.ssl_ca_file) if settings.ssl_ca_file is not None else None,
    )
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_cert_file is not None and settings.ssl_key_file is not None:
        password = settings.ssl_key_password
        context.load_cert_chain(
            str(settings.ssl_cert_file),
            str(settings.ssl_key_file),
            password=password.get_secret_value() if password is not None else None,
        )
    return context


def aiokafka_args(settings: KafkaSettings) -> ClientConfig:
    """Keyword arguments for ``AIOKafkaProducer``/``AIOKafkaConsumer``/admin: servers + security."""
    context = ssl_context(settings)
    args = ClientConfig(
        bootstrap_servers=[h.strip() for h in settings.bootstrap_servers.split(",") if h.strip()],
        security_protocol=settings.security_protocol,
    )
    if context is not None:
        args["ssl_context"] = context
    if uses_sasl(settings):
        assert settings.sasl_password is not None
        args["sasl_mechanism"] = settings.sasl_mechanism
        args["sasl_plain_username"] = settings.sasl_username
        args["sasl_plain_password"] = settings.sasl_password.get_secret_value()
    return args


def faust_broker_args(settings: KafkaSettings) -> dict[str, Any]:
    """``broker`` and, with security, ``broker_credentials`` for ``faust.App(...)``.

    SASL_* gives ``faust.SASLCredentials`` (with the TLS context for SASL_SSL), SSL gives
    ``faust.SSLCredentials``; Faust hands both to its aiokafka producer and consumers.
    """
    import faust  # the worker's dependency; imported here so infra stays light

    context = ssl_context(settings)
    args: dict[str, Any] = {
        "broker": [f"kafka://{h.strip()}" for h in settings.bootstrap_servers.split(",") if h],
    }
    if uses_sasl(settings):
        assert settings.sasl_password is not None
        args["broker_credentials"] = faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value(),
            ssl_context=context,
            mechanism=settings.sasl_mechanism,
        )
    elif context is not None:
        args["broker_credentials"] = faust.SSLCredentials(context)
    return args


def describe(settings: KafkaSettings) -> dict[str, str | bool | None]:
    """What may be logged about the connection: never a password."""
    return {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
        "sasl_mechanism": settings.sasl_mechanism if uses_sasl(settings) else None,
        "sasl_username": settings.sasl_username if uses_sasl(settings) else None,
        "ssl_ca_file": str(settings.ssl_ca_file) if settings.ssl_ca_file else None,
        "mutual_tls": settings.ssl_cert_file is not None,
    }


__all__ = [
    "ClientConfig",
    "KafkaSecurityError",
    "aiokafka_args",
    "check",
    "confluent_config",
    "describe",
    "faust_broker_args",
    "ssl_context",
]
