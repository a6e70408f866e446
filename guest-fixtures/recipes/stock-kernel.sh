#!/usr/bin/env bash
# Fetches the current Debian cloud kernel (linux-image-<version>-cloud-amd64-unsigned) into
# ${JVMM_CACHE:-$HOME/.cache/jvmm}/guests/linux-<version>/ as
#   vmlinuz  the bzImage (Linux x86 boot protocol)
#   vmlinux  its payload decompressed: the kernel ELF, which carries the Xen PVH entry note
#   modules/ the loadable modules named in MODULES below and everything they depend on, uncompressed (busybox
#            insmod takes no .ko.xz), at their lib/modules/<version>/ paths, with a modules.dep in depmod's format
#            listing each one's dependencies, transitively, the last to be loaded first
# and points guests/stock-kernel at that directory. Does nothing when all of them are already there.
# Needs: apt (with current package lists), dpkg-deb, binutils (readelf), and the decompressor of the payload
# (lz4 for Debian 12's 6.1 kernels; gzip, xz-utils, zstd, bzip2, lzop for others).
set -euo pipefail

# What busybox-virtio-initramfs.sh loads: the virtio-mmio transport (jvmm's devices are virtio-mmio, listed in the
# ACPI DSDT) and the drivers of the devices jvmm offers. The cloud config builds them all as modules.
MODULES=(virtio_mmio virtio_blk virtio_net virtio_rng vmw_vsock_virtio_transport)

cache="${JVMM_CACHE:-$HOME/.cache/jvmm}/guests"

resolve_package() {
    # The metapackage names the current ABI; fall back to the newest unsigned cloud image apt knows.
    local dep
    dep=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null \
        | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)\(-unsigned\)\?$/\1/p' | head -n 1)
    if [[ -n "$dep" ]] && apt-cache show "${dep}-unsigned" >/dev/null 2>&1; then
        echo "${dep}-unsigned"
        return
    fi
    apt-cache search --names-only '^linux-image-[0-9].*-cloud-amd64-unsigned$' \
        | cut -d' ' -f1 | sort -V | tail -n 1
}

package=$(resolve_package)
if [[ -z "$package" ]]; then
    echo "stock-kernel: no linux-image-*-cloud-amd64-unsigned package known to apt (run apt-get update)" >&2
    exit 1
fi
version=${package#linux-image-}
version=${version%-unsigned}
dir="$cache/linux-$version"

if [[ -s "$dir/vmlinuz" && -s "$dir/vmlinux" && -s "$dir/modules/modules.dep" ]]; then
    ln -sfn "linux-$version" "$cache/stock-kernel"
    echo "$dir"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"   # apt-get download runs as _apt when it can
(cd "$work" && apt-get download "$package" >/dev/null)
dpkg-deb -x "$work"/*.deb "$work/root"
bzimage="$work/root/boot/vmlinuz-$version"
[[ -f "$bzimage" ]] || { echo "stock-kernel: $package has no /boot/vmlinuz-$version" >&2; exit 1; }

# Boot protocol: setup_sects at 0x1f1 (0 means 4), the protected-mode code follows the (setup_sects + 1)
# sectors of real-mode code; payload_offset (0x248) and payload_length (0x24c) locate the compressed kernel in it.
le() { od -An -t "u$2" -j "$1" -N "$2" "$bzimage" | tr -d ' '; }
[[ "$(od -An -c -j 0x202 -N 4 "$bzimage" | tr -d ' ')" == "HdrS" ]] \
    || { echo "stock-kernel: $bzimage is not a bzImage" >&2; exit 1; }
setup_sects=$(le $((0x1f1)) 1)
(( setup_sects == 0 )) && setup_sects=4
payload_offset=$(le $((0x248)) 4)
payload_length=$(le $((0x24c)) 4)
start=$(( (setup_sects + 1) * 512 + payload_offset ))
dd if="$bzimage" of="$work/payload" bs=1M iflag=skip_bytes,count_bytes skip="$start" count="$payload_length" \
    status=none

magic=$(od -An -t x1 -N 6 "$work/payload" | tr -d ' \n')
case "$magic" in
    02214c18*)     decompress=(lz4 -dc) ;;       # LZ4 legacy frame (Debian 12, 6.1)
    1f8b*)         decompress=(gzip -dc) ;;
    fd377a585a00)  decompress=(xz -dc) ;;
    28b52ffd*)     decompress=(zstd -dc) ;;
    425a68*)       decompress=(bzip2 -dc) ;;
    5d0000*)       decompress=(xz --format=lzma -dc) ;;
    894c5a4f*)     decompress=(lzop -dc) ;;
    *) echo "stock-kernel: unknown payload compression (magic $magic)" >&2; exit 1 ;;
esac
# The payload ends with the kernel's 4-byte size_append trailer, which some tools call trailing garbage;
# success is judged by the output being an ELF.
"${decompress[@]}" <"$work/payload" >"$work/vmlinux" 2>/dev/null || true
[[ "$(od -An -c -N 4 "$work/vmlinux" | tr -d ' ')" == "177ELF" ]] \
    || { echo "stock-kernel: decompressing the payload with ${decompress[*]} gave no ELF" >&2; exit 1; }

# Modules: the package has no modules.dep (depmod writes it on install), so each module's dependencies come from
# the "depends=" field of its .modinfo section. Names there use '_' where file names may use '-'.
modroot="$work/root/lib/modules/$version"
declare -A module_file=()
while IFS= read -r file; do
    name=$(basename "$file"); name=${name%%.ko*}; name=${name//-/_}
    module_file[$name]=${file#"$modroot/"}
done < <(find "$modroot/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
mkdir -p "$work/modules"
declare -A module_deps=()
keep_module() {  # copies $1 uncompressed into $work/modules and records its direct dependencies
    local name=$1 file out deps
    [[ -n "${module_deps[$name]+set}" ]] && return
    file=${module_file[$name]:-}
    [[ -n "$file" ]] || { echo "stock-kernel: $package has no module $name" >&2; exit 1; }
    out="$work/modules/${file%.ko*}.ko"
    mkdir -p "$(dirname "$out")"
    case "$file" in
        *.ko.xz)  xz -dc "$modroot/$file" >"$out" ;;
        *.ko.zst) zstd -qdc "$modroot/$file" >"$out" ;;
        *.ko.gz)  gzip -dc "$modroot/$file" >"$out" ;;
        *)        cp "$modroot/$file" "$out" ;;
    esac
    deps=$(readelf -p .modinfo "$out" | sed -n 's/^ *\[ *[0-9a-f]*\] *depends=//p' | tr ',' ' ')
    module_deps[$name]=$deps
    local d
    for d in $deps; do keep_module "$d"; done
}
for m in "${MODULES[@]}"; do keep_module "$m"; done
path_of() { local f=${module_file[$1]}; echo "${f%.ko*}.ko"; }
# depmod's order: a module's dependencies, each listed after everything that needs it, so loading the list from
# its end works. A depth-first post-order, reversed, gives that.
transitive() {
    local -A seen=(); local -a order=()
    visit() { local d; for d in ${module_deps[$1]}; do
        [[ -n "${seen[$d]:-}" ]] && continue; seen[$d]=1; visit "$d"; order+=("$d"); done; }
    visit "$1"
    local i; for ((i = ${#order[@]} - 1; i >= 0; i--)); do printf ' %s' "$(path_of "${order[i]}")"; done
}
for m in "${!module_deps[@]}"; do echo "$(path_of "$m"):$(transitive "$m")"; done | sort >"$work/modules/modules.dep"

mkdir -p "$dir"
rm -rf "$dir/modules" && mv "$work/modules" "$dir/modules"
cp "$bzimage" "$dir/vmlinuz.tmp" && mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
mv "$work/vmlinux" "$dir/vmlinux.tmp" && mv "$dir/vmlinux.tmp" "$dir/vmlinux"
echo "$package" >"$dir/package"
ln -sfn "linux-$version" "$cache/stock-kernel"
echo "$dir"
