"""Kafka client security settings: confluent and Faust/aiokafka configurations, secrets hidden."""

from __future__ import annotations

import logging
import ssl
import subprocess
from pathlib import Path

import pytest
import structlog

from infra.kafka_config import (
    ClientConfig,
    KafkaSecurityError,
    aiokafka_args,
    confluent_config,
    describe,
    faust_broker_args,
    ssl_context,
)
from infra.opensearch import client_tls_args, make_client
from infra.settings import KafkaSettings, OpenSearchSettings, Settings

pytestmark = pytest.mark.unit

PASSWORD = "s3cr3t-Pa55word"
KEY_PASSWORD = "k3y-Pa55word"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throw-away CA and a client certificate with an encrypted key (openssl)."""
    d = tmp_path_factory.mktemp("pki")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "1", "-subj", "/CN=test-ca")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-keyout", "client.key", "-out", "client.csr",
        "-subj", "/CN=client", "-passout", f"pass:{KEY_PASSWORD}")  # fmt: skip
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "client.pem", "-days", "1")  # fmt: skip
    return {"ca": d / "ca.pem", "cert": d / "client.pem", "key": d / "client.key"}


def sasl_ssl(pki: dict[str, Path], **extra: object) -> KafkaSettings:
    return KafkaSettings.model_validate(
        {
            "bootstrap_servers": "broker-1:9094, broker-2:9094",
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": "ragstream",
            "sasl_password": PASSWORD,
            "ssl_ca_file": pki["ca"],
            **extra,
        }
    )


def test_plaintext_default_is_just_the_servers() -> None:
    conf = confluent_config(KafkaSettings(), {"group.id": "g"})
    assert conf == {
        "bootstrap.servers": "127.0.0.1:9092",
        "security.protocol": "PLAINTEXT",
        "group.id": "g",
    }
    assert faust_broker_args(KafkaSettings()) == {"broker": ["kafka://127.0.0.1:9092"]}
    assert aiokafka_args(KafkaSettings()) == {
        "bootstrap_servers": ["127.0.0.1:9092"],
        "security_protocol": "PLAINTEXT",
    }


def test_sasl_ssl_confluent_config(pki: dict[str, Path]) -> None:
    conf = confluent_config(sasl_ssl(pki))
    assert conf["security.protocol"] == "SASL_SSL"
    assert conf["sasl.mechanism"] == "SCRAM-SHA-512"
    assert conf["sasl.username"] == "ragstream"
    assert conf["sasl.password"] == PASSWORD
    assert conf["ssl.ca.location"] == str(pki["ca"])
    assert conf["ssl.endpoint.identification.algorithm"] == "https"
    assert "ssl.certificate.location" not in conf


def test_mutual_tls_with_encrypted_key(pki: dict[str, Path]) -> None:
    s = KafkaSettings(
        security_protocol="SSL",
        ssl_ca_file=pki["ca"],
        ssl_cert_file=pki["cert"],
        ssl_key_file=pki["key"],
        ssl_key_password=KEY_PASSWORD,  # type: ignore[arg-type]
        ssl_check_hostname=False,
    )
    conf = confluent_config(s)
    assert conf["ssl.certificate.location"] == str(pki["cert"])
    assert conf["ssl.key.location"] == str(pki["key"])
    assert conf["ssl.key.password"] == KEY_PASSWORD
    assert conf["ssl.endpoint.identification.algorithm"] == "none"
    assert "sasl.mechanism" not in conf
    context = ssl_context(s)  # loads the chain: the key password is right
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname is False
    creds = faust_broker_args(s)["broker_credentials"]
    assert type(creds).__name__ == "SSLCredentials"
    assert creds.context is not None


def test_faust_and_aiokafka_arguments(pki: dict[str, Path]) -> None:
    s = sasl_ssl(pki, sasl_mechanism="SCRAM-SHA-256")
    args = faust_broker_args(s)
    assert args["broker"] == ["kafka://broker-1:9094", "kafka://broker-2:9094"]
    creds = args["broker_credentials"]
    assert type(creds).__name__ == "SASLCredentials"
    assert creds.protocol.value == "SASL_SSL"
    assert creds.mechanism.value == "SCRAM-SHA-256"
    assert (creds.username, creds.password) == ("ragstream", PASSWORD)
    assert isinstance(creds.ssl_context, ssl.SSLContext)
    # Faust's own translation to aiokafka agrees with ours.
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    faust_auth = credentials_to_aiokafka_auth(creds)
    ours = aiokafka_args(s)
    for key in ("security_protocol", "sasl_mechanism", "sasl_plain_username"):
        assert faust_auth[key] == ours[key]
    assert ours["sasl_plain_password"] == PASSWORD
    assert ours["bootstrap_servers"] == ["broker-1:9094", "broker-2:9094"]

    plain = KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="PLAIN",
        sasl_username="u",
        sasl_password="p",  # type: ignore[arg-type]
    )
    creds = faust_broker_args(plain)["broker_credentials"]
    assert creds.protocol.value == "SASL_PLAINTEXT"
    assert creds.ssl_context is None
    assert "ssl_context" not in aiokafka_args(plain)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"security_protocol": "SASL_SSL", "sasl_username": "u"}, "sasl_password"),
        ({"security_protocol": "SASL_PLAINTEXT"}, "sasl_username, kafka.sasl_password"),
        ({"ssl_ca_file": "/etc/hosts"}, "does not use TLS"),
        ({"security_protocol": "SSL", "ssl_cert_file": "/etc/hosts"}, "go together"),
        ({"security_protocol": "SSL", "ssl_ca_file": "/nonexistent/ca.pem"}, "not a readable"),
    ],
)
def test_incomplete_settings_are_refused(fields: dict[str, object], message: str) -> None:
    s = KafkaSettings.model_validate(fields)
    with pytest.raises(KafkaSecurityError, match=message):
        confluent_config(s)
    with pytest.raises(KafkaSecurityError):
        faust_broker_args(s)


def test_unknown_protocol_or_mechanism_fails_validation() -> None:
    with pytest.raises(ValueError):
        KafkaSettings.model_validate({"security_protocol": "TLS"})
    with pytest.raises(ValueError):
        KafkaSettings.model_validate({"sasl_mechanism": "GSSAPI"})


def test_secrets_never_show_in_repr_or_logs(
    pki: dict[str, Path], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    s = sasl_ssl(pki, ssl_key_password=KEY_PASSWORD)
    conf = confluent_config(s)
    args = aiokafka_args(s)
    faust_args = faust_broker_args(s)
    assert isinstance(conf, ClientConfig)
    texts = [repr(s), str(s), repr(conf), str(conf), f"{conf}", repr(args), repr(faust_args)]
    texts.append(s.model_dump_json())
    texts.append(repr(Settings(kafka=s)))
    texts.append(repr(describe(s)))
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").warning("client config %s %r", conf, args)
        structlog.get_logger("test").warning("kafka", config=conf, **describe(s))
    texts.append(caplog.text)
    texts.append(capsys.readouterr().out)
    for text in texts:
        assert PASSWORD not in text
        assert KEY_PASSWORD not in text
    assert "**********" in repr(conf)
    assert describe(s)["sasl_username"] == "ragstream"


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, pki: dict[str, Path]) -> None:
    monkeypatch.setenv("RAGSTREAM_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("RAGSTREAM_KAFKA__SASL_USERNAME", "svc")
    monkeypatch.setenv("RAGSTREAM_KAFKA__SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("RAGSTREAM_KAFKA__SSL_CA_FILE", str(pki["ca"]))
    monkeypatch.setenv("RAGSTREAM_OPENSEARCH__CA_FILE", str(pki["ca"]))
    s = Settings()
    assert s.kafka.security_protocol == "SASL_SSL"
    assert s.kafka.sasl_password is not None
    assert s.kafka.sasl_password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(s)
    assert s.opensearch.ca_file == pki["ca"]


def test_opensearch_client_tls(pki: dict[str, Path]) -> None:
    assert client_tls_args(OpenSearchSettings()) == {}
    s = OpenSearchSettings(
        url="https://127.0.0.1:9200",
        ca_file=pki["ca"],
        client_cert_file=pki["cert"],
        client_key_file=pki["key"],
    )
    assert client_tls_args(s) == {
        "ca_certs": str(pki["ca"]),
        "client_cert": str(pki["cert"]),
        "client_key": str(pki["key"]),
    }
    client = make_client(s.model_copy(update={"client_key_file": None, "client_cert_file": None}))
    conn = client.transport.get_connection()
    assert conn.use_ssl
    with pytest.raises(ValueError, match="go together"):
        client_tls_args(s.model_copy(update={"client_key_file": None}))
