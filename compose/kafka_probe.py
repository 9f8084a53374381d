#!/usr/bin/env python3
"""Standard-library-only Kafka readiness probe used by compose/stack.sh.

Sends one Metadata request (v4, supported by Kafka 1.0 up to 4.x) and exits 0
when the broker answers with at least one registered broker, 1 otherwise.
Usage: kafka_probe.py HOST PORT [TIMEOUT_SECONDS]
"""

import socket
import struct
import sys


def _read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf += chunk
    return buf


def probe(host, port, timeout):
    client_id = b"ragstream-stack-probe"
    # Request header v1: api_key, api_version, correlation_id, client_id
    header = struct.pack(">hhih", 3, 4, 42, len(client_id)) + client_id
    # Metadata v4 body: topics = null (all), allow_auto_topic_creation = false
    body = struct.pack(">ib", -1, 0)
    payload = header + body
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(payload)) + payload)
        size = struct.unpack(">i", _read_exact(sock, 4))[0]
        resp = _read_exact(sock, size)
    corr, _throttle, nbrokers = struct.unpack(">iii", resp[:12])
    if corr != 42:
        raise ValueError(f"unexpected correlation id {corr}")
    return nbrokers


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 9092
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    try:
        n = probe(host, port, timeout)
    except Exception as exc:  # the probe reports any failure as "down"
        print(f"kafka probe failed: {exc}", file=sys.stderr)
        return 1
    if n < 1:
        print("kafka answered but reports no brokers yet", file=sys.stderr)
        return 1
    print(f"kafka metadata ok: {n} broker(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
