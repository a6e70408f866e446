#!/usr/bin/env bash
# Builds ${JVMM_CACHE:-$HOME/.cache/jvmm}/guests/busybox-initramfs.cpio: an UNCOMPRESSED newc cpio archive
# (Documentation/driver-api/early-userspace/buffer-format.rst) holding the static busybox and an /init that
# prints JVMM-INIT-OK, mounts /proc, prints "cpus: N" and powers off. Does nothing when the archive exists
# and is newer than this script. Needs: busybox-static (/bin/busybox), binutils (readelf), python3 (writes the archive, so no root
# is needed for the /dev/console node).
set -euo pipefail

cache="${JVMM_CACHE:-$HOME/.cache/jvmm}/guests"
out="$cache/busybox-initramfs.cpio"
busybox="${BUSYBOX:-/bin/busybox}"

if [[ -s "$out" && "$out" -nt "$0" ]]; then
    echo "$out"
    exit 0
fi
applets=$("$busybox" --list 2>/dev/null || true)
if ! grep -qx poweroff <<<"$applets" \
        || readelf -l "$busybox" 2>/dev/null | grep INTERP >/dev/null; then
    echo "busybox-initramfs: $busybox is not a static busybox (apt-get install busybox-static)" >&2
    exit 1
fi
mkdir -p "$cache"

python3 - "$busybox" "$out.tmp" <<'PY'
import stat, sys

busybox_path, out_path = sys.argv[1], sys.argv[2]
init = b"""#!/bin/busybox sh
/bin/busybox echo JVMM-INIT-OK
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "cpus: $(/bin/busybox grep -c ^processor /proc/cpuinfo)"
/bin/busybox poweroff -f
"""
with open(busybox_path, "rb") as f:
    busybox = f.read()

entries = [  # name, mode, data, (rdevmajor, rdevminor)
    ("dev", stat.S_IFDIR | 0o755, b"", (0, 0)),
    ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
    ("proc", stat.S_IFDIR | 0o755, b"", (0, 0)),
    ("bin", stat.S_IFDIR | 0o755, b"", (0, 0)),
    ("bin/busybox", stat.S_IFREG | 0o755, busybox, (0, 0)),
    ("bin/sh", stat.S_IFLNK | 0o777, b"busybox", (0, 0)),
    ("init", stat.S_IFREG | 0o755, init, (0, 0)),
]

def pad4(n):
    return (4 - n % 4) % 4

with open(out_path, "wb") as out:
    for ino, (name, mode, data, (rmaj, rmin)) in enumerate(entries + [("TRAILER!!!", 0, b"", (0, 0))], 1):
        name_bytes = name.encode() + b"\0"
        nlink = 2 if stat.S_ISDIR(mode) else 1
        fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmaj, rmin, len(name_bytes), 0]
        header = b"070701" + b"".join(b"%08X" % v for v in fields)
        out.write(header + name_bytes + b"\0" * pad4(len(header) + len(name_bytes)))
        out.write(data + b"\0" * pad4(len(data)))
PY
mv "$out.tmp" "$out"
echo "$out"
