"""Local MariaDB servers for tests, benchmarks and the local AWS: a server lifecycle
(`start_mariadb`, `running_mariadb`) and a throwaway CA whose certificate a server presents
(`issue`, passed as `tls=`)."""

from tapstack_local_mariadb.certificates import TlsFiles, issue
from tapstack_local_mariadb.server import (
    MariaDBServer,
    MariaDBUnavailableError,
    free_port,
    running_mariadb,
    start_mariadb,
)

__all__ = [
    "MariaDBServer",
    "MariaDBUnavailableError",
    "TlsFiles",
    "free_port",
    "issue",
    "running_mariadb",
    "start_mariadb",
]
