#!/bin/sh
S=/work/wt/wiring/vmm-core/target
G=/work/wt/wiring/guest-fixtures/target/guests
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
t() { cut -d' ' -f1 /proc/uptime; }
jvmm() { $J -XX:TieredStopAtLevel=1 --enable-native-access=dev.jvmm.bindings -p $S/vmm-core-0.1.0-SNAPSHOT.jar:$S/lib -m dev.jvmm.core/dev.jvmm.cli.Main "$@"; }
dd if=/dev/zero of=/tmp/d.img bs=512 count=2048 2>/dev/null
printf 'NESTED-TOKEN-123' | dd of=/tmp/d.img conv=notrunc 2>/dev/null
dd if=/dev/zero of=/tmp/ro.img bs=512 count=8 2>/dev/null
echo "WIRING: devices uptime=$(t)"
jvmm --log-level debug boot --kernel $S/nested/guest-irq.bin --format flat --disk /tmp/d.img,id=nested-disk --entropy > /tmp/out.txt 2>&1
rc=$?
grep -v "DEBUG dev.jvmm.core.vm" /tmp/out.txt | head -60
echo "WIRING: devices rc=$rc uptime=$(t)"
echo "WIRING: sector1=$(dd if=/tmp/d.img bs=1 skip=512 count=16 2>/dev/null)"
jvmm boot --kernel $G/reset-hello.bin --format flat --disk /tmp/d.img --disk /tmp/ro.img,ro --entropy
echo "WIRING: reset rc=$? uptime=$(t)"
jvmm boot --kernel $G/reset-hello.bin --format flat --entropy --no-irqchip
echo "WIRING: noirqchip rc=$? uptime=$(t)"
