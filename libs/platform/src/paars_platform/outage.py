"""Whether an error means the database is down or restarting. A module of its own so that the gRPC server of a
process without a database (analytics' worker) maps errors without importing SQLAlchemy: a SQLAlchemy error can only
be raised where sqlalchemy.exc was imported, so it is looked up there when it is. paars_platform.db re-exports it."""
from __future__ import annotations

import errno
import socket
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.exc import DBAPIError

# Errors of a socket to a server that is down, restarting or unreachable. Other OSErrors (a file name too
# long, a directory where a file was expected, as zoneinfo raises for a bad time zone) are not an outage.
_NETWORK_ERRNOS = frozenset(
    getattr(errno, name) for name in (
        "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "EHOSTDOWN",
        "ENETUNREACH", "ENETDOWN", "ENETRESET", "ENOTCONN", "ESHUTDOWN", "EADDRNOTAVAIL",
    ) if hasattr(errno, name)
)


def is_unavailable(exc: BaseException) -> bool:
    """True when an error means the database is down or restarting (worth a retry), not that the work was wrong."""
    if isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror)):
        return True
    if isinstance(exc, OSError):
        # errno None: a driver's own OSError, e.g. asyncpg's "Multiple exceptions" when no address answered.
        return exc.errno is None or exc.errno in _NETWORK_ERRNOS
    # None until something imported SQLAlchemy (paars_platform.db): then no error can be one of its own.
    dbapi_error: type[DBAPIError] | None = getattr(sys.modules.get("sqlalchemy.exc"), "DBAPIError", None)
    if dbapi_error is None or not isinstance(exc, dbapi_error):
        return False
    if exc.connection_invalidated:
        return True
    text = str(exc).lower()
    return any(s in text for s in ("connection", "database is locked", "server closed", "terminating", "could not connect", "shutting down", "starting up"))
