#!/bin/sh
# Runs inside the L1 TCG guest (nested SVM, /dev/kvm from kvm_amd), chrooted into the host's /.
t() { cut -d' ' -f1 /proc/uptime; }
S=/work/jvmm-snap; G=$S/guests
jvmm() { /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=dev.jvmm.bindings -p $S/vmm-core-0.1.0-SNAPSHOT.jar:$S/lib -m dev.jvmm.core/dev.jvmm.cli.Main "$@"; }
echo "JVMM: bad uptime=$(t)"; jvmm boot --kernel /nonexistent; echo "JVMM: bad rc=$?"
echo "JVMM: check uptime=$(t)"
jvmm check; echo "JVMM: check rc=$?"
echo "JVMM: long uptime=$(t)"
jvmm boot --kernel $G/long-mode-hello.bin --format flat --entry long; echo "JVMM: long rc=$? uptime=$(t)"
jvmm boot --kernel $G/real-mode-hello.bin --format flat --entry real --load-address 0x1000; echo "JVMM: real rc=$? uptime=$(t)"
jvmm boot --kernel $G/reset-hello.bin --format flat --irqchip; echo "JVMM: reset rc=$? uptime=$(t)"
jvmm boot --kernel $G/smp-hello.bin --format flat --cpus 2 --irqchip; echo "JVMM: smp2 rc=$? uptime=$(t)"
jvmm boot --kernel $G/smp-hello.bin --format flat --cpus 4 --irqchip; echo "JVMM: smp4 rc=$? uptime=$(t)"
