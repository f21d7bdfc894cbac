"""The PASS/FAIL bookkeeping every oracle script shares: one line per check, then the closing
"N passed, N failed" line that Tools/test.sh adds up."""
import socket
import sys
import time
import urllib.error
import urllib.request

passes = 0
failures = 0


def check(name, ok, detail=""):
    global passes, failures
    passes += bool(ok)
    failures += not ok
    print(f"{'PASS' if ok else 'FAIL'} {name} {detail}".rstrip())


def finish(trailer=None):
    """The closing count line; `trailer`, a line for scripts that read the last one, after it."""
    print(f"{passes} passed, {failures} failed")
    if trailer:
        print(trailer)
    sys.exit(1 if failures else 0)


def rss_kib(pid, field="VmRSS"):
    """A process's resident memory in KiB, from /proc (VmHWM: its peak so far); None once it
    has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    """(status, content type, body) of a GET; (None, "", error) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.headers.get("Content-Type", ""), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, "", error.read().decode()
    except OSError as error:
        return None, "", str(error)


def wait_for_health(base, process, seconds=30):
    """(status, body) of base/healthz once it answers, or (None, reason) if the process ends
    or the time runs out first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        status, _, body = http_get(base + "/healthz", timeout=2)
        if status is not None:
            return status, body
        time.sleep(0.02)
    return None, "no answer"
