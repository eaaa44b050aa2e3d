"""The one logging configuration: application log and access log apart."""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

_SECRET_PARAM = re.compile(r"((?:^|[?&])token=)[^&\s]+")


class RedactTokens(logging.Filter):
    """Event streams accept ``?token=`` (browsers cannot set headers there); keep it
    out of the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_PARAM.sub(r"\1…", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def logging_config(level: str) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "app": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "access": {"format": "%(asctime)s access %(message)s"},
        },
        "filters": {"redact": {"()": "tidings.logs.RedactTokens"}},
        "handlers": {
            "app": {
                "class": "logging.StreamHandler",
                "formatter": "app",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "filters": ["redact"],
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "tidings": {"handlers": ["app"], "level": level.upper(), "propagate": False},
            "uvicorn": {"handlers": ["app"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["app"], "level": "WARNING"},
    }


def configure(level: str) -> None:
    logging.config.dictConfig(logging_config(level))
