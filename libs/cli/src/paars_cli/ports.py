"""Which local ports are taken, and by which process (from /proc/net/tcp and /proc/*/fd on Linux)."""
from __future__ import annotations

import contextlib
import errno
import os
import pathlib
import socket
from dataclasses import dataclass

PROC = pathlib.Path("/proc")
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's st column


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str


@dataclass(frozen=True)
class BusyPort:
    port: int
    what: str
    holders: tuple[Holder, ...]

    def describe(self) -> str:
        if not self.holders:
            return f"port {self.port} ({self.what}) is in use by a process this user cannot see"
        held = ", ".join(f"pid {h.pid} ({h.command})" for h in self.holders)
        return f"port {self.port} ({self.what}) is held by {held}"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could bind host:port now. SO_REUSEADDR ignores connections in TIME_WAIT; without
    SO_REUSEPORT the bind fails if anyone listens there, even a gRPC server that would share the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def _listening_inodes(port: int, proc: pathlib.Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _command(pid_dir: pathlib.Path) -> str:
    try:
        argv = (pid_dir / "cmdline").read_bytes().split(b"\0")
        line = " ".join(" ".join(a.decode(errors="replace").split()) for a in argv if a)
        line = line or (pid_dir / "comm").read_text().strip()
    except OSError:
        return "?"
    return line if len(line) <= 200 else line[:199] + "…"


def holders(port: int, proc: pathlib.Path = PROC) -> tuple[Holder, ...]:
    """The processes with a socket listening on port (only those whose file descriptors this user may read)."""
    wanted = {f"socket:[{inode}]" for inode in _listening_inodes(port, proc)}
    found: list[Holder] = []
    if not wanted:
        return ()
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in wanted for fd in (pid_dir / "fd").iterdir()):
                found.append(Holder(int(pid_dir.name), _command(pid_dir)))
    return tuple(sorted(found, key=lambda h: h.pid))


def busy(ports: list[tuple[int, str]]) -> list[BusyPort]:
    """Of (port, what it is for), those that are taken, each with who holds it."""
    return [BusyPort(port, what, holders(port)) for port, what in ports if not port_is_free(port)]
