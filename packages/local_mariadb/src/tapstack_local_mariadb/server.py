"""A throwaway MariaDB server for tests and local runs: start, use, stop (stdlib only).

The server gets its own data directory, binds 127.0.0.1 on a free port and has one admin
account (`user`/`password`, all privileges, from 127.0.0.1). Whoever starts it stops it:
`running_mariadb()` does both.

    tls = issue(Path("/tmp/tls"), "test-ca", ["127.0.0.1"])
    with running_mariadb(Path("/tmp/db"), tls=tls) as server:
        pymysql.connect(host=server.host, port=server.port, user=server.user, ...)

`tls` makes the server present a certificate (TLS offered, not required). Shared by the lambda
tests (lambda/conftest.py), the benchmarks and the local AWS (one server per account).
"""

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the lifecycle itself needs the standard library only
    from tapstack_local_mariadb.certificates import TlsFiles

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30
# Small buffers: several servers share a 2-core machine with the test suites.
SERVER_OPTIONS = (
    "--innodb-buffer-pool-size=64M",
    "--innodb-log-file-size=32M",
    "--innodb-flush-log-at-trx-commit=2",
    "--skip-name-resolve",
    "--skip-log-bin",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--default-time-zone=+00:00",
    "--max-connections=200",
)


class MariaDBUnavailableError(RuntimeError):
    """MariaDB is not installed, or the server would not start."""


@dataclass
class MariaDBServer:
    """A running server and the admin account to reach it with."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    base_dir: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def error_log(self) -> Path:
        """The server's error log (first place to look when something fails)."""
        return self.base_dir / "error.log"

    def stop(self) -> None:
        """Shut the server down (SIGTERM, then SIGKILL after a timeout)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def find_binary(*names: str) -> str:
    """The first of `names` on PATH or in /usr/sbin; fail loudly naming the package."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    raise MariaDBUnavailableError(
        f"none of {', '.join(names)} found: install mariadb-server (Debian: apt-get install "
        "mariadb-server mariadb-client; .ci/run does this)"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_mariadb(
    base_dir: Path,
    *,
    user: str = "admin",
    password: str | None = None,
    options: tuple[str, ...] = (),
    tls: "TlsFiles | None" = None,
    wrapper: tuple[str, ...] = (),
    start_timeout: float = START_TIMEOUT_SECONDS,
) -> MariaDBServer:
    """Initialise a data directory under `base_dir` and start a server on a free port.

    Without `password`, the admin account gets a random one (see `server.password`).
    `options` are more server options, after the defaults; `tls` adds the options that make the
    server present that certificate (clients verify it with `tls.ca`). `wrapper` runs
    the server under another program (e.g. `valgrind --tool=callgrind`; give it a longer
    `start_timeout`).
    """
    password = password or secrets.token_urlsafe(16)
    server_binary = find_binary("mariadbd", "mysqld")
    install_binary = find_binary("mariadb-install-db", "mysql_install_db")
    base_dir.mkdir(parents=True, exist_ok=True)
    data_dir = base_dir / "data"
    run_as = ["--user=root"] if os.geteuid() == 0 else []
    subprocess.run(  # noqa: S603 - fixed arguments, binaries from PATH
        [
            install_binary,
            "--no-defaults",
            f"--datadir={data_dir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            *run_as,
        ],
        check=True,
        capture_output=True,
    )
    init_file = base_dir / "init.sql"
    escaped = password.replace("\\", "\\\\").replace("'", "\\'")
    init_file.write_text(
        f"CREATE USER IF NOT EXISTS '{user}'@'{HOST}' IDENTIFIED BY '{escaped}';\n"
        f"GRANT ALL PRIVILEGES ON *.* TO '{user}'@'{HOST}' WITH GRANT OPTION;\n"
    )
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            *wrapper,
            server_binary,
            "--no-defaults",
            f"--datadir={data_dir}",
            f"--socket={base_dir / 'mysqld.sock'}",
            f"--pid-file={base_dir / 'mysqld.pid'}",
            f"--log-error={base_dir / 'error.log'}",
            f"--bind-address={HOST}",
            f"--port={port}",
            f"--init-file={init_file}",
            *SERVER_OPTIONS,
            *(tls.server_options() if tls else ()),
            *options,
            *run_as,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = MariaDBServer(HOST, port, user, password, base_dir, process)
    try:
        _wait_until_ready(server, start_timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: MariaDBServer, timeout: float) -> None:
    """Wait for the server's protocol greeting on its port (the init file has run by then)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise MariaDBUnavailableError(
                f"mariadbd exited with {server.process.returncode}:\n{_tail(server.error_log)}"
            )
        try:
            with socket.create_connection((server.host, server.port), timeout=1) as connection:
                if connection.recv(1):
                    return
        except OSError:
            time.sleep(0.1)
    raise MariaDBUnavailableError(
        f"mariadbd not ready after {timeout} s:\n{_tail(server.error_log)}"
    )


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no {path})"


@contextmanager
def running_mariadb(
    base_dir: Path | None = None,
    *,
    user: str = "admin",
    password: str | None = None,
    options: tuple[str, ...] = (),
    tls: "TlsFiles | None" = None,
) -> Iterator[MariaDBServer]:
    """A server for the block; stopped (and its temporary directory removed) afterwards."""
    with tempfile.TemporaryDirectory(prefix="mariadb-") as scratch:
        server = start_mariadb(
            base_dir or Path(scratch), user=user, password=password, options=options, tls=tls
        )
        try:
            yield server
        finally:
            server.stop()
