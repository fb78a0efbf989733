"""Process-wide facts of a running emulator: its endpoint, its scratch directory, its cleanups.

The server sets these once it listens. Models read them (a Lambda invocation needs the endpoint,
a MariaDB server a data directory). Whatever starts something registers how to stop it;
`shutdown()` runs those in reverse order when the server stops (SIGTERM included). The lock
around moto's backends lives here too, so that work on the emulator's own threads can take it.
"""

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_backends_lock = threading.Lock()
_endpoint: str | None = None
_work_dir: Path | None = None
_cleanups: list[tuple[str, Callable[[], None]]] = []


class NotServingError(RuntimeError):
    """The emulator's endpoint is needed before the server listens."""


def set_endpoint(url: str) -> None:
    """Record the URL clients (and Lambda invocations) reach this emulator at."""
    global _endpoint
    _endpoint = url


def endpoint() -> str:
    """The emulator's own URL."""
    if _endpoint is None:
        raise NotServingError("the emulator is not serving yet")
    return _endpoint


def backends_lock() -> threading.Lock:
    """The lock around moto's backends: the server holds it while moto serves a request, and
    work on the emulator's own threads (executions, schedules, rollback monitoring) takes it."""
    return _backends_lock


def work_dir() -> Path:
    """This process's scratch directory (created on first use, removed at shutdown)."""
    global _work_dir
    with _lock:
        if _work_dir is None:
            _work_dir = Path(tempfile.mkdtemp(prefix="tapstack-emulator-"))
            _cleanups.append(("scratch directory", _remove_work_dir))
        return _work_dir


def on_shutdown(name: str, cleanup: Callable[[], None]) -> None:
    """Run `cleanup` when the emulator stops (last registered, first run)."""
    with _lock:
        _cleanups.append((name, cleanup))


def shutdown() -> None:
    """Stop everything registered, newest first; one failure does not stop the rest."""
    with _lock:
        cleanups = list(reversed(_cleanups))
        _cleanups.clear()
    for name, cleanup in cleanups:
        try:
            cleanup()
        except Exception:
            logger.exception("stopping %s failed", name)


def _remove_work_dir() -> None:
    global _work_dir
    if _work_dir is not None:
        shutil.rmtree(_work_dir, ignore_errors=True)
        _work_dir = None
