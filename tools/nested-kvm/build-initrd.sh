#!/bin/sh
# Build initrd.cpio.gz: busybox-static + decompressed kvm/9p modules + static yardstick + guest.
set -e
cd "$(dirname "$0")/.."
K=kpkg/lib/modules/6.12.117+deb12-amd64/kernel
R=initrd-root
rm -rf $R; mkdir -p $R/bin $R/sbin $R/lib/modules $R/proc $R/sys $R/dev $R/tmp
cp /bin/busybox $R/bin/busybox
for a in $($R/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox $R/bin/$a; done
for m in virt/lib/irqbypass drivers/crypto/ccp/ccp arch/x86/kvm/kvm arch/x86/kvm/kvm-amd arch/x86/kvm/kvm-intel \
         fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay; do
  xz -dc $K/$m.ko.xz > $R/lib/modules/$(basename $m).ko
done
cp kvm-exit-baseline $R/bin/; cp guest-io.bin $R/; cp src/init $R/init
(cd $R && find . | cpio -o -H newc --quiet) | gzip -1 > initrd.cpio.gz
cp kpkg/boot/vmlinuz-6.12.117+deb12-amd64 vmlinuz
ls -la initrd.cpio.gz vmlinuz
