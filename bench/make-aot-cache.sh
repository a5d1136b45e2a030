#!/usr/bin/env bash
# bench/make-aot-cache.sh: writes jxen-run's JDK AOT cache (JEP 483/514/515) into its lib directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: bench/make-aot-cache.sh [--kernel FILE] [--require-kvm]

Training run: boots FILE (default guests/build/hello.elf) once with bin/jxen-run, with the
launcher's own JVM flags plus -XX:AOTCacheOutput, and writes <lib>/jxen-run.aot, where <lib> is
the module path bin/jxen-run uses (lib/ in an install, else jxen-cli/target/lib). bin/jxen-run
uses the cache from then on; the JVM ignores it, silently, once a jar or the JDK changes, so
run this again after every build (the build does). Takes about 5 s.

Without a usable /dev/kvm (or without the guest) there is nothing to train on: the script says
so, removes any old cache and exits 0, unless --require-kvm, which makes that an error.
Exit status 1 when the training run fails; the old cache is then removed too.
EOF
}

kernel=$root/guests/build/hello.elf
require=0
while [ $# -gt 0 ]; do
    case "$1" in
        --kernel) kernel=$2; shift 2 ;;
        --require-kvm) require=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "make-aot-cache.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

. "$root/bin/jxen-env"
lib=$(jxen_lib_dir "$root")
cache=$lib/jxen-run.aot

skip() {
    rm -f "$cache"
    if [ "$require" = 1 ]; then echo "make-aot-cache.sh: $1" >&2; exit 1; fi
    echo "make-aot-cache.sh: no AOT cache: $1"
    exit 0
}
dev=${JXEN_KVM_DEVICE:-/dev/kvm}
[ -r "$dev" ] && [ -w "$dev" ] || skip "$dev cannot be opened (the training run boots a VM)"
[ -f "$kernel" ] || skip "$kernel is missing (make -C guests)"

# The cache is written beside the old one and renamed, so a failed run leaves no half file.
tmp=$cache.tmp.$$
log=$(mktemp)
trap 'rm -f "$tmp" "$tmp.config" "$log"' EXIT
start=$(date +%s%N)
# JXEN_JVM_OPTS with -XX:AOTCacheOutput makes jxen_aot_flags add nothing, so the training JVM
# runs with exactly the flags that a cached run uses. AOTCacheOutput assembles the cache in a
# second JVM when the first exits (JEP 514).
if ! JXEN_JVM_OPTS="-XX:AOTCacheOutput=$tmp" "$root/bin/jxen-run" --kernel "$kernel" --timeout 60 \
        </dev/null >"$log" 2>&1 || [ ! -s "$tmp" ]; then
    echo "make-aot-cache.sh: the training run failed; output:" >&2
    cat "$log" >&2
    rm -f "$cache"
    exit 1
fi
mv -f "$tmp" "$cache"
echo "make-aot-cache.sh: wrote $cache ($(( $(stat -c %s "$cache") / 1048576 )) MiB, $(( ($(date +%s%N) - start) / 1000000 )) ms)"
