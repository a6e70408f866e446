#!/usr/bin/env bash
# Fetches the current Debian cloud kernel (linux-image-<version>-cloud-amd64-unsigned) into
# ${JVMM_CACHE:-$HOME/.cache/jvmm}/guests/linux-<version>/ as
#   vmlinuz  the bzImage (Linux x86 boot protocol)
#   vmlinux  its payload decompressed: the kernel ELF, which carries the Xen PVH entry note
# and points guests/stock-kernel at that directory. Does nothing when both files are already there.
# Needs: apt (with current package lists), dpkg-deb, binutils (readelf), and the decompressor of the payload
# (lz4 for Debian 12's 6.1 kernels; gzip, xz-utils, zstd, bzip2, lzop for others).
set -euo pipefail

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

if [[ -s "$dir/vmlinuz" && -s "$dir/vmlinux" ]]; then
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

mkdir -p "$dir"
cp "$bzimage" "$dir/vmlinuz.tmp" && mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
mv "$work/vmlinux" "$dir/vmlinux.tmp" && mv "$dir/vmlinux.tmp" "$dir/vmlinux"
echo "$package" >"$dir/package"
ln -sfn "linux-$version" "$cache/stock-kernel"
echo "$dir"
