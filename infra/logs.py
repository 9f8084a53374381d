"""structlog JSON logging: key=value fields, never document content or PII.

One dictConfig serves our own loggers and the libraries' (faust, aiokafka, presidio), so a
worker writes one JSON object per line to stderr. Faust's worker is handed the same config.
"""

from __future__ import annotations

import logging
import logging.config
import sys
from typing import Any

import structlog

_NOISY = ("opensearch", "urllib3", "aiokafka", "kafka", "presidio-analyzer", "faust.transport")


def _shared() -> list[structlog.types.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def logging_dict_config(level: str = "INFO", json_logs: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` mapping that renders every record through structlog."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json_logs
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    quiet = logging.getLevelName(max(logging.WARNING, logging.getLevelName(level)))
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": _shared(),
            }
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "structlog",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {name: {"level": quiet} for name in _NOISY},
        "root": {"level": level, "handlers": ["default"]},
    }


def configure_logging(level: str = "INFO", json_logs: bool = True) -> None:
    """Route structlog and stdlib logging through one renderer."""
    structlog.configure(
        processors=[
            *_shared(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    logging.config.dictConfig(logging_dict_config(level, json_logs))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
