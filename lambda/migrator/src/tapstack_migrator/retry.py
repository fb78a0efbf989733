"""Retry an operation on transient database errors, with exponential backoff."""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import pymysql

from tapstack_migrator.errors import DatabaseUnavailableError
from tapstack_migrator.transient import is_transient

logger = logging.getLogger(__name__)
T = TypeVar("T")


def with_retries(
    operation: Callable[[], T],
    *,
    attempts: int = 5,
    backoff_seconds: float = 1.0,
    max_backoff_seconds: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`operation()`, tried again after transient errors; other errors pass through at once."""
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except pymysql.err.Error as err:
            if not is_transient(err):
                raise
            if attempt == attempts:
                raise DatabaseUnavailableError(
                    f"the database stayed unreachable after {attempts} attempts: {err}"
                ) from err
            delay = min(backoff_seconds * 2 ** (attempt - 1), max_backoff_seconds)
            logger.warning("attempt %d failed (%s); retrying in %.1f s", attempt, err, delay)
            sleep(delay)
    raise AssertionError("unreachable")
