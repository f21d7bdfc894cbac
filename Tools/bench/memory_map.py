#!/usr/bin/env python3
"""Where a running process's resident memory is, by kind of mapping, from /proc/PID/smaps.

Usage: memory_map.py PID [--mappings N]

Groups every mapping's Rss (KiB, as the kernel counts it: the same total as VmRSS, give or take
pages touched between the two reads) into:
  code and data of each file: the binary, libswiftCore, Foundation, ICU data, libzmq, libc...
  thread stacks: the mappings holding a thread's stack pointer (/proc/PID/task/*/syscall;
                 needs ptrace rights over the process, as its owner or root)
  malloc heap: [heap] (glibc's main arena, grown by brk)
  malloc arenas: glibc's per-thread arenas (anonymous, 64 MiB aligned, their reserved rest
                 PROT_NONE right after)
  anonymous mmap: other private anonymous mappings: allocations above glibc's mmap threshold
                 (grid layers, sweep buffers), libzmq's and the Swift runtime's own maps
Prints one line per group (largest first), the total against VmRSS, and with --mappings the N
largest anonymous mappings with their address and size. Reads only /proc: a snapshot of the
process as it runs, nothing injected.
"""
import os
import sys

ARENA_ALIGN = 64 << 20  # glibc's HEAP_MAX_SIZE on 64-bit


def read_smaps(pid):
    mappings = []
    current = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                current = {"start": start, "end": end, "perms": fields[1],
                           "path": fields[5] if len(fields) > 5 else "", "rss": 0}
                mappings.append(current)
            elif fields[0] == "Rss:":
                current["rss"] = int(fields[1])
    return mappings


def stack_pointers(pid):
    """Each thread's stack pointer, from /proc/PID/task/TID/syscall ("nr args... sp pc")."""
    pointers = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/syscall") as syscall:
                fields = syscall.read().split()
        except OSError:
            continue
        if len(fields) >= 3 and fields[-2].startswith("0x"):
            pointers.append(int(fields[-2], 16))
    return pointers


def vm_rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def group(mappings, pointers):
    groups = {}
    anonymous = []
    for index, mapping in enumerate(mappings):
        path, rss = mapping["path"], mapping["rss"]
        following = mappings[index + 1] if index + 1 < len(mappings) else None
        if any(mapping["start"] <= sp < mapping["end"] for sp in pointers):
            name = "thread stacks" if path != "[stack]" else "main thread stack"
        elif path == "[heap]":
            name = "malloc heap (main arena, brk)"
        elif path.startswith("/"):
            name = os.path.basename(path)
            name = name.split(".so")[0] + ".so" if ".so" in name else name
            name = f"file: {name}"
        elif path.startswith("["):
            name = path
        elif (mapping["start"] % ARENA_ALIGN == 0 and following is not None
              and following["start"] == mapping["end"] and following["perms"].startswith("---")
              and not following["path"]):
            name = "malloc arenas (per thread)"
        else:
            name = "anonymous mmap"
            anonymous.append(mapping)
        groups[name] = groups.get(name, 0) + rss
    return groups, anonymous


def main(pid, largest):
    mappings = read_smaps(pid)
    groups, anonymous = group(mappings, stack_pointers(pid))
    total = sum(groups.values())
    for name, rss in sorted(groups.items(), key=lambda item: -item[1]):
        if rss >= 64:
            print(f"{rss / 1024:8.2f} MiB  {name}")
    small = sum(rss for rss in groups.values() if rss < 64)
    print(f"{small / 1024:8.2f} MiB  (groups under 64 KiB each)")
    print(f"{total / 1024:8.2f} MiB  total of smaps Rss (VmRSS {vm_rss(pid) / 1024:.2f} MiB)")
    for mapping in sorted(anonymous, key=lambda m: -m["rss"])[:largest]:
        size = (mapping["end"] - mapping["start"]) >> 10
        print(f"  anonymous {mapping['start']:#x} {mapping['perms']} size {size / 1024:8.2f} MiB"
              f" rss {mapping['rss'] / 1024:8.2f} MiB")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    count = int(sys.argv[sys.argv.index("--mappings") + 1]) if "--mappings" in sys.argv else 0
    main(int(sys.argv[1]), count)
