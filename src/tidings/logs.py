"""The one logging configuration: application log and access log apart."""

from __future__ import annotations

import logging.config
from typing import Any


def logging_config(level: str) -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "app": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "access": {"format": "%(asctime)s access %(message)s"},
        },
        "handlers": {
            "app": {
                "class": "logging.StreamHandler",
                "formatter": "app",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
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
