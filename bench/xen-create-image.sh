#!/usr/bin/env bash
# xen-create-image, jxen's against Debian's xen-tools, on this host, in one run: the same dist,
# mirror and sizes; each tool first with an empty package cache (everything downloaded), then
# again with its cache warm; then jxen's clone of a template. Prints one line per run and the
# ratios (xen-tools' time / jxen's: above 1 means jxen is faster).
#
#   bench/xen-create-image.sh [--dist bookworm] [--mirror URL] [--work DIR]
#
# Needs root (both tools debootstrap and chroot; xen-tools also loop-mounts its image), the
# Debian package xen-tools (installed if missing: it brings no hypervisor), and the mirror.
# What each tool installs differs, and the figures say so: xen-tools boots the guest on dom0's
# kernel and installs none into the image; jxen installs Debian's cloud kernel and builds its
# initramfs (so the image boots with pygrub or its own kernel), and systemd-networkd/resolved.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${here%/*}
. "$here/common.sh"
invoked=$(bench_command_line bench/xen-create-image.sh "$@")
dist=bookworm
mirror=""
work=/var/tmp/jxen-bench-xci
while [ $# -gt 0 ]; do
    case "$1" in
        --dist) dist=$2; shift 2 ;;
        --mirror) mirror=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 1 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "bench/xen-create-image.sh needs root" >&2; exit 1; }
if [ ! -x /usr/sbin/xen-create-image ] && [ ! -x /usr/bin/xen-create-image ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends xen-tools >/dev/null
fi
xentools=$(command -v /usr/sbin/xen-create-image /usr/bin/xen-create-image | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^URIs: *//p; s/^deb \(\[[^]]*\] \)\?\([^ ]*\) '"$dist"' .*/\2/p' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
rm -rf "$work"
mkdir -p "$work"
# The guest's kernel for xen-tools (it copies dom0's into the config; this host has none in /boot).
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | tail -1 || true)
initrd=$(ls /boot/initrd.img-* 2>/dev/null | tail -1 || true)
if [ -z "$kernel" ]; then
    # xen-tools only writes these paths into its config; nothing boots here.
    : > "$work/vmlinuz"; : > "$work/initrd.img"
    kernel=$work/vmlinuz; initrd=$work/initrd.img
fi
common=(--dist="$dist" --mirror="$mirror" --size=2G --swap=128M --memory=256M --dhcp)

run() { # label command...
    local label=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    if "$@" >"$work/$label.log" 2>&1; then
        t1=$(date +%s.%N)
        printf '%-28s %7.1f s\n' "$label" "$(echo "$t1 - $t0" | bc)"
        echo "$t1 - $t0" | bc > "$work/$label.time"
    else
        printf '%-28s FAILED (see %s)\n' "$label" "$work/$label.log"
        echo 0 > "$work/$label.time"
    fi
}
xt() { "$xentools" --hostname="$1" --dir="$work/xt" --output="$work/xt-etc" --cachedir="$work/xt-cache" --cache=yes \
    --kernel="$kernel" --initrd="$initrd" --password=Bench-pw1 "${common[@]}"; }
jx() { JXEN_XEN_TOOLS_LOGDIR="$work/jx-log" "$root/bin/xen-create-image" --hostname="$1" --dir="$work/jx" \
    --output="$work/jx-etc" --cachedir="$work/jx-cache" --password=Bench-pw1 "${common[@]}" "${@:2}"; }

mkdir -p "$work/xt-cache" "$work/jx-cache" "$work/xt-etc" "$work/jx-etc"
echo "xen-create-image: $dist from $mirror, 2G root + 128M swap, DHCP; $(nproc) CPUs"
run "xen-tools cold cache" xt xt1
run "jxen cold cache" jx jx1
run "xen-tools warm cache" xt xt2
run "jxen warm cache" jx jx2
run "jxen template (warm)" jx tpl --as-template --format=qcow2 --pygrub
run "jxen clone of template" jx web --from-template=tpl
echo
for c in cold warm; do
    a=$(cat "$work/xen-tools $c cache.time"); b=$(cat "$work/jxen $c cache.time")
    if [ "$a" != 0 ] && [ "$b" != 0 ]; then
        printf 'ratio xen-tools/jxen, %s cache: %.2f\n' "$c" "$(echo "$a / $b" | bc -l)"
    fi
done
clone_inside=$(sed -n 's/^Time *: *//p' "$work/jxen clone of template.log")
printf 'clone, inside the tool (after the JVM started): %s\n' "$clone_inside"

# The dated summary (bench/results/README.md).
bench_result_file "$here/results" xen-create-image
{
    printf '{\n "benchmark": "xen-create-image",\n "date_utc": "%s",\n "command": "%s",\n' "$BENCH_DATE_UTC" "${invoked//\"/\\\"}"
    printf ' "dist": "%s",\n "mirror": "%s",\n "cpus": %s,\n "load_average_after": "%s",\n' "$dist" "$mirror" "$(nproc)" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf ' "seconds": {\n'
    first=1
    for label in "xen-tools cold cache" "jxen cold cache" "xen-tools warm cache" "jxen warm cache" \
            "jxen template (warm)" "jxen clone of template"; do
        [ $first = 1 ] || printf ',\n'
        first=0
        printf '  "%s": %s' "$label" "$(cat "$work/$label.time")"
    done
    printf '\n },\n "clone_inside_the_tool": "%s"\n}\n' "$clone_inside"
} > "$BENCH_RESULT"
echo "summary: ${BENCH_RESULT#$root/}"
