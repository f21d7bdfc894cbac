"""The PASS/FAIL bookkeeping every oracle script shares: one line per check, then the closing
"N passed, N failed" line that Tools/test.sh adds up."""
import sys

passes = 0
failures = 0


def check(name, ok, detail=""):
    global passes, failures
    passes += bool(ok)
    failures += not ok
    print(f"{'PASS' if ok else 'FAIL'} {name} {detail}".rstrip())


def finish():
    print(f"{passes} passed, {failures} failed")
    sys.exit(1 if failures else 0)


def rss_kib(pid):
    """A process's resident memory in KiB, from /proc; None once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
