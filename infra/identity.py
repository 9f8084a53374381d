"""Who this process is, as written into audit records and logs."""

from __future__ import annotations

import os
import socket


def worker_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"
