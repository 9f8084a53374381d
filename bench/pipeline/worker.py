"""``ragstream worker`` with its Prometheus metrics served on a separate port.

The benchmark reads the worker's stage timings from its metrics, but the worker's own
``/metrics/`` page answers 500 (aiohttp refuses the ``charset`` inside prometheus_client's
``CONTENT_TYPE_LATEST``). This wrapper runs the unchanged worker command in the same process
and serves the same registry with prometheus_client's HTTP server on
``$BENCH_METRICS_PORT`` (127.0.0.1): one idle thread, scraped twice per run.
"""

from __future__ import annotations

import os
import sys

from prometheus_client import start_http_server

from ragstream.cli import main


def run() -> None:
    start_http_server(int(os.environ["BENCH_METRICS_PORT"]), addr="127.0.0.1")
    sys.argv = ["ragstream", "worker"]
    main()


if __name__ == "__main__":
    run()
