"""A service process that dies with the launcher that started it, set up after exec.

`paars run` (libs/cli) starts each service with `PAARS_DIE_WITH_PARENT=<launcher pid>` in its
environment. The service calls `die_with_parent_from_env()` first thing: Linux then sends it SIGTERM
when the launcher dies without its clean stop (SIGKILL, a closed terminal). This is done here, in the
new program, and not in a `preexec_fn` between fork and exec: the launcher has gRPC threads, and
running Python in a forked child of a multithreaded process can crash or hang it before exec (seen in
the chaos run as a restarted service exiting with no log line). Without `preexec_fn`, subprocess can
use vfork, which runs no Python and no fork handlers in the child."""
from __future__ import annotations

import os
import signal

ENV = "PAARS_DIE_WITH_PARENT"
_PR_SET_PDEATHSIG = 1


def die_with_parent_from_env() -> None:
    expected = os.environ.get(ENV, "")
    if not expected.isdigit():
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        return  # not Linux: the launcher's stop() still stops its services
    # The launcher may have died between exec and prctl: then nobody will send the signal.
    if os.getppid() != int(expected):
        os.kill(os.getpid(), signal.SIGTERM)
