#!/bin/sh
S=/work/wt/wiring/vmm-core/target
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
t() { cut -d' ' -f1 /proc/uptime; }
jvmm() { $J -XX:TieredStopAtLevel=1 --enable-native-access=dev.jvmm.bindings -p $S/vmm-core-0.1.0-SNAPSHOT.jar:$S/lib -m dev.jvmm.core/dev.jvmm.cli.Main "$@"; }
dd if=/dev/zero of=/tmp/d.img bs=512 count=2048 2>/dev/null
printf 'NESTED-TOKEN-456' | dd of=/tmp/d.img conv=notrunc 2>/dev/null
echo "WIRING: irq uptime=$(t)"
jvmm --log-level debug boot --kernel $S/nested/guest-irq.bin --format flat --disk /tmp/d.img,id=nested-disk --entropy > /tmp/out.txt 2>&1
rc=$?
grep -v "DEBUG" /tmp/out.txt | head -40
echo "WIRING: debug lines: $(grep -c DEBUG /tmp/out.txt); bus notifications: $(grep -c 'reached the bus' /tmp/out.txt)"
grep DEBUG /tmp/out.txt | cut -c1-160 | head -5
echo "WIRING: irq rc=$rc uptime=$(t)"
