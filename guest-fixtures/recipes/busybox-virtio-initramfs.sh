#!/usr/bin/env bash
# Builds ${JVMM_CACHE:-$HOME/.cache/jvmm}/guests/busybox-virtio-initramfs.cpio: an UNCOMPRESSED newc cpio archive
# (Documentation/driver-api/early-userspace/buffer-format.rst) holding the static busybox, the stock kernel's
# virtio modules (kept by stock-kernel.sh, run first) under /lib/modules, and an /init that
#   - mounts /proc, /sys and devtmpfs, loads the modules in modules.dep order with insmod and prints
#     JVMM-VIRTIO-INIT-OK (or "init: FAIL insmod <module>"),
#   - runs the checks named by jvmm.check=<name>[,<name>...] on the kernel command line, in that order:
#       blk  /dev/vda: prints "blk: sectors <n>" and "blk: sector0 <first 16 bytes as hex>", writes
#            JVMM-LINUX-WROTE to the start of sector 1 (dd), syncs, prints "blk: OK"
#       rng  prints "rng: current <rng_current>" and "rng: bytes <32 bytes of /dev/hwrng as hex>", "rng: OK"
#       net  eth0 up as jvmm.net.guest=<ip/prefix>, prints "net: mac <mac>", pings jvmm.net.host=<ip> once and
#            prints "net: tx <before> <after>" and "net: OK" when the reply came
#       vsock connects to the host (CID 2) port jvmm.vsock.port=<port> with vsock-ping (vsock-ping.c, built static
#            here), sends JVMM-LINUX-VSOCK-PING, prints "vsock: reply <reply>" and "vsock: OK" when it got one
#     each failure prints "<check>: FAIL <reason>",
#   - and powers off (poweroff -f: ACPI S5, which ends jvmm with status 0).
# The dotted parameters are not passed to /init by the kernel (it takes them for module parameters), so /init reads
# /proc/cmdline. GuestFixtures.VirtioInitramfs holds these lines for the tests. Does nothing when the archive exists
# and is newer than this script and the modules. Needs: what stock-kernel.sh needs, busybox-static, python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache="${JVMM_CACHE:-$HOME/.cache/jvmm}/guests"
out="$cache/busybox-virtio-initramfs.cpio"
busybox="${BUSYBOX:-/bin/busybox}"

kernel_dir=$("$here/stock-kernel.sh")
modules="$kernel_dir/modules"
if [[ -s "$out" && "$out" -nt "$0" && "$out" -nt "$modules/modules.dep" && "$out" -nt "$here/vsock-ping.c" ]]; then
    echo "$out"
    exit 0
fi
# grep without -q reads to the end: with pipefail, an early exit would fail the pipeline through SIGPIPE.
if ! "$busybox" --list 2>/dev/null | grep -x insmod >/dev/null || readelf -l "$busybox" 2>/dev/null | grep INTERP >/dev/null; then
    echo "busybox-virtio-initramfs: $busybox is not a static busybox with insmod (apt-get install busybox-static)" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/dev" "$work/proc" "$work/sys" "$work/lib/modules"
cp "$busybox" "$work/bin/busybox"
gcc -static -Os -o "$work/bin/vsock-ping" "$here/vsock-ping.c"
cp -r "$modules/kernel" "$work/lib/modules/"

# Load order: for each module of modules.dep, its dependencies from the end of their list, then itself; once each.
load_order=()
declare -A loaded=()
while IFS=: read -r module deps; do
    read -r -a list <<<"$deps"
    for ((i = ${#list[@]} - 1; i >= -1; i--)); do
        m=$module; ((i >= 0)) && m=${list[i]}
        [[ -n "${loaded[$m]:-}" ]] && continue
        loaded[$m]=1
        load_order+=("$m")
    done
done <"$modules/modules.dep"
printf '%s\n' "${load_order[@]}" >"$work/lib/modules/load-order"

cat >"$work/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/load-order); do
    insmod "/lib/modules/$m" || echo "init: FAIL insmod $m"
done
echo JVMM-VIRTIO-INIT-OK

param() {  # the value of jvmm.$1= on the kernel command line
    for word in $(cat /proc/cmdline); do
        case "$word" in "jvmm.$1="*) echo "${word#*=}" ;; esac
    done
}
hex() { od -An -tx1 -v | tr -d ' \n'; }
await() {  # waits up to 5 s for path $1: probing may finish after insmod returns
    for i in $(seq 50); do [ -e "$1" ] && return 0; sleep 0.1; done
    return 1
}

check_blk() {
    await /dev/vda || { echo "blk: FAIL no /dev/vda"; return; }
    echo "blk: sectors $(cat /sys/block/vda/size)"
    echo "blk: sector0 $(dd if=/dev/vda bs=16 count=1 2>/dev/null | hex)"
    printf JVMM-LINUX-WROTE | dd of=/dev/vda bs=512 seek=1 conv=notrunc 2>/dev/null \
        || { echo "blk: FAIL writing sector 1"; return; }
    sync
    echo "blk: OK"
}

check_rng() {
    await /sys/class/misc/hw_random/rng_current || { echo "rng: FAIL no hw_random"; return; }
    current=$(cat /sys/class/misc/hw_random/rng_current)
    echo "rng: current $current"
    case "$current" in virtio*) ;; *) echo "rng: FAIL the current rng is not virtio"; return ;; esac
    bytes=$(head -c 32 /dev/hwrng | hex)
    echo "rng: bytes $bytes"
    [ ${#bytes} -eq 64 ] || { echo "rng: FAIL read ${#bytes} hex digits"; return; }
    echo "rng: OK"
}

check_net() {
    await /sys/class/net/eth0 || { echo "net: FAIL no eth0"; return; }
    echo "net: mac $(cat /sys/class/net/eth0/address)"
    ip addr add "$(param net.guest)" dev eth0 && ip link set eth0 up || { echo "net: FAIL configuring eth0"; return; }
    before=$(cat /sys/class/net/eth0/statistics/tx_packets)
    ping -c 1 -W 5 "$(param net.host)" >/dev/null; replied=$?
    echo "net: tx $before $(cat /sys/class/net/eth0/statistics/tx_packets)"
    [ $replied -eq 0 ] || { echo "net: FAIL no reply from $(param net.host)"; return; }
    echo "net: OK"
}

check_vsock() {
    reply=$(vsock-ping "$(param vsock.port)" JVMM-LINUX-VSOCK-PING) || { echo "vsock: FAIL no reply"; return; }
    echo "vsock: reply $reply"
    echo "vsock: OK"
}

for check in $(param check | tr , ' '); do
    case "$check" in
        blk | rng | net | vsock) "check_$check" ;;
        *) echo "init: FAIL unknown check $check" ;;
    esac
done
poweroff -f
INIT
chmod 755 "$work/init"

python3 - "$work" "$out.tmp" <<'PY'
import os, stat, sys

root, out_path = sys.argv[1], sys.argv[2]
entries = [("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1))]  # the kernel opens it before /init runs
for directory, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(dirs) + sorted(files):
        path = os.path.join(directory, name)
        rel = os.path.relpath(path, root)
        st = os.lstat(path)
        if stat.S_ISDIR(st.st_mode):
            entries.append((rel, stat.S_IFDIR | 0o755, b"", (0, 0)))
        else:
            with open(path, "rb") as f:
                entries.append((rel, stat.S_IFREG | (st.st_mode & 0o777), f.read(), (0, 0)))
entries.sort(key=lambda e: e[0])  # parents before children

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
