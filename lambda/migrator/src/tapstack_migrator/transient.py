"""Which database errors are worth a retry: the connection, not the SQL, went wrong."""

import pymysql

TRANSIENT_CODES = frozenset(
    {
        1040,  # too many connections
        1053,  # server shutdown in progress
        1205,  # lock wait timeout exceeded
        1213,  # deadlock found
        1927,  # (MariaDB) connection was killed
        2002,  # can't connect through socket
        2003,  # can't connect (connection refused, unreachable)
        2006,  # server has gone away
        2013,  # lost connection during query
        4031,  # (MySQL 8) disconnected by the server because of inactivity
    }
)


def is_transient(error: BaseException) -> bool:
    """True for connection-level failures and lock waits a new attempt can get past."""
    if isinstance(error, pymysql.err.InterfaceError):  # the connection object is closed
        return True
    if isinstance(error, pymysql.err.OperationalError | pymysql.err.InternalError) and error.args:
        return error.args[0] in TRANSIENT_CODES
    return False
