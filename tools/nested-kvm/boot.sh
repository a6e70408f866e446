#!/bin/sh
# Usage: src/boot.sh CPU "EXTRA_CMDLINE" [extra qemu args...]
# e.g. src/boot.sh max "kmod=amd"    src/boot.sh EPYC "kmod=amd kopts=npt=0"
cd "$(dirname "$0")/.."
cpu=$1; extra=$2; shift 2
exec nice -n 19 qemu-system-x86_64 -accel tcg -cpu "$cpu" -smp 1 -m 1024 -nographic -no-reboot \
  -kernel vmlinuz -initrd initrd.cpio.gz -append "console=ttyS0 panic=-1 quiet loglevel=4 $extra" "$@"
