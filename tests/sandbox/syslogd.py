#!/usr/bin/env python3
"""The sandbox's syslog receiver (tests/sandbox/sandbox.sh starts it).

  syslogd.py serve SOCKET LOGFILE
      Serve a datagram socket at SOCKET (mode 0666) and append each message
      to LOGFILE as one line:

          FACILITY.SEVERITY TAG[PID]: MESSAGE

      e.g. "authpriv.info passwd[42]: pam_iampw(passwd:chauthtok): user
      alice: password change recorded".  The RFC 3164 timestamp is dropped;
      control characters are written as #ooo (octal, as rsyslog does), so a
      message is always one line.  LOGFILE is opened, appended to and
      closed for every message: a test may truncate or remove it at any
      time, and a line is in the file as soon as it is written.
      SIGTERM: write what is still queued on the socket, then exit.

  syslogd.py sync SOCKET [SECONDS]
      Return (exit 0) once every message sent to SOCKET before this call
      is in LOGFILE; exit 1 after SECONDS (default 5) without an answer.
      It sends a marker datagram and waits for the receiver's reply: the
      socket's queue is first in, first out, so the reply comes after every
      earlier message was written.  Waits for the socket to appear.
"""

import errno
import os
import re
import select
import signal
import socket
import sys
import time

SYNC_MAGIC = b"\0sandbox-syslog-sync\0"
MAX_DATAGRAM = 65536

FACILITIES = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
    "uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
    "solaris-cron", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
]
SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

PRI_RE = re.compile(rb"^<(\d{1,3})>")
# glibc's syslog(3): "Mmm dd hh:mm:ss " (day padded with a space).
TIMESTAMP_RE = re.compile(rb"^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} ")
CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def format_message(data):
    """One log line (str, ending in a newline) for one datagram."""
    prefix = "-.-"
    m = PRI_RE.match(data)
    if m:
        pri = int(m.group(1))
        fac, sev = pri >> 3, pri & 7
        prefix = "%s.%s" % (FACILITIES[fac] if fac < len(FACILITIES) else str(fac),
                            SEVERITIES[sev])
        data = data[m.end():]
    data = TIMESTAMP_RE.sub(b"", data, count=1)
    data = data.rstrip(b"\n\0")
    text = data.decode("utf-8", "backslashreplace")
    text = CONTROL_RE.sub(lambda c: "#%03o" % ord(c.group(0)), text)
    return "%s %s\n" % (prefix, text)


def append_line(path, line):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
    try:
        data = line.encode("utf-8", "surrogateescape")
        while data:
            n = os.write(fd, data)
            data = data[n:]
    finally:
        os.close(fd)


def handle(sock, logfile, data, addr):
    if data == SYNC_MAGIC:
        if addr:
            try:
                sock.sendto(b"ok", addr)
            except OSError:
                pass  # the client gave up
        return
    append_line(logfile, format_message(data))


def serve(path, logfile):
    # The receiver outlives an interrupt of the sandbox's command so that it
    # can write what is queued; sandbox.sh stops it with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    rpipe, wpipe = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wpipe)
    signal.signal(signal.SIGTERM, lambda signum, frame: None)

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock.bind(path)
    os.chmod(path, 0o666)
    # Create the file now: tests may read it before anything was logged.
    os.close(os.open(logfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640))

    while True:
        try:
            readable, _, _ = select.select([sock, rpipe], [], [])
        except InterruptedError:
            continue
        if sock in readable:
            data, addr = sock.recvfrom(MAX_DATAGRAM)
            handle(sock, logfile, data, addr)
        if rpipe in readable:
            break

    # Stopping: drain the queue, then go.
    sock.setblocking(False)
    while True:
        try:
            data, addr = sock.recvfrom(MAX_DATAGRAM)
        except BlockingIOError:
            break
        handle(sock, logfile, data, addr)
    sock.close()
    try:
        os.unlink(path)
    except OSError:
        pass
    return 0


def sync(path, seconds):
    deadline = time.monotonic() + seconds
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    # An abstract address (the sandbox has its own network namespace), so
    # that the receiver can answer and nothing is left on disk.
    sock.bind("\0sandbox-syslog-sync-%d-%d" % (os.getpid(), time.monotonic_ns()))
    while True:
        try:
            sock.sendto(SYNC_MAGIC, path)
            break
        except OSError as e:
            if e.errno not in (errno.ENOENT, errno.ECONNREFUSED, errno.EAGAIN):
                print("syslogd.py: cannot send to %s: %s" % (path, e), file=sys.stderr)
                return 1
        if time.monotonic() >= deadline:
            print("syslogd.py: nothing serves %s" % path, file=sys.stderr)
            return 1
        time.sleep(0.02)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("syslogd.py: no answer from %s" % path, file=sys.stderr)
            return 1
        readable, _, _ = select.select([sock], [], [], left)
        if readable and sock.recv(16) == b"ok":
            return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "serve":
        return serve(argv[2], argv[3])
    if len(argv) in (3, 4) and argv[1] == "sync":
        return sync(argv[2], float(argv[3]) if len(argv) == 4 else 5.0)
    print("usage: syslogd.py serve SOCKET LOGFILE | sync SOCKET [SECONDS]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
