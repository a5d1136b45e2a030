#!/usr/bin/env bash
# bench/xl-vs-qemu.sh: jxend against QEMU microvm on the same guest ELF, in one run (issue 9's
# start-up and density figures). Needs /dev/kvm: on a host without it, it says so and stops.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")
. "$here/common.sh"

usage() {
    cat <<'EOF2'
usage: bench/xl-vs-qemu.sh [--runs N] [--parallel P] [--seconds S] [--memory MiB] [--out FILE]

With a jxend of its own already running (directories under a temporary one):
 1. start -> marker: bench/boot.sh with the extra variant jxen-xl, 'bin/xl create -c' of the
    hello guest, beside jxen-run and QEMU microvm (N runs each, alternating; its own summary).
 2. P at once: P 'xl create' of an idle guest (shutdown, action=halt) started together, until
    every console log has the guest's start line; against P QEMU microvm processes started
    together until every serial output has it.
 3. density: jxend's RSS without guest memory (RssAnon + RssFile; the guests' memfds are
    RssShmem) per idle domain, from before step 2 to after; against a QEMU process's RSS
    (RssAnon + RssFile), the mean of the P.
 4. cycles: for S seconds each, 'xl create -c' of hello (create, its marker, its power-off,
    destroyed) one after another; against QEMU microvm start, marker, exit.
Defaults: N = 10, P = 20, S = 20, MiB = 64.
Writes FILE (default bench/results/xl-vs-qemu-<date and time, UTC>.json).
EOF2
}

runs=10 parallel=20 seconds=20 memory=64 out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --parallel) parallel=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --memory) memory=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "${0##*/}: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
for v in "$runs" "$parallel" "$seconds" "$memory"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "${0##*/}: '$v' is not a positive whole number" >&2; exit 2; }
done
[ -c "${JXEN_KVM_DEVICE:-/dev/kvm}" ] || { echo "${0##*/}: ${JXEN_KVM_DEVICE:-/dev/kvm} does not exist: these figures need KVM" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "${0##*/}: qemu-system-x86_64 is missing" >&2; exit 1; }
command_line=$(bench_command_line "bench/xl-vs-qemu.sh" "$@")
if [ -z "$out" ]; then
    bench_result_file "$here/results" xl-vs-qemu
    out=$BENCH_RESULT
else
    BENCH_DATE_UTC=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fi

tmp=$(mktemp -d)
export JXEN_RUNDIR=$tmp/run JXEN_STATEDIR=$tmp/state JXEN_LOGDIR=$tmp/log XENSTORED_PATH=$tmp/xenstored/socket
qemu_pids=()
cleanup() {
    for p in "${qemu_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    local pid
    pid=$(cat "$JXEN_RUNDIR/jxend.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$root"
hello=$root/guests/build/hello.elf
idle=$root/guests/build/shutdown.elf
q="qemu-system-x86_64 -accel kvm -cpu host,-arch-capabilities -nodefaults -no-reboot -display none -smp 1 -m $memory -M microvm,acpi=on"
printf 'name = "hello"\ntype = "pvh"\nkernel = "%s"\nmemory = %d\n' "$hello" "$memory" > "$tmp/hello.cfg"
"$root/bin/jxend"
jxend_pid=$(cat "$JXEN_RUNDIR/jxend.pid")
now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kib() { awk '/^RssAnon:|^RssFile:/ {s += $2} END {print s}' "/proc/$1/status"; }
# Waits (bounded) until every file named has the line; fails naming the first that does not.
await_marker() {
    local marker=$1 deadline=$(($(now_ms) + 120000)) f
    shift
    for f in "$@"; do
        until grep -qF "$marker" "$f" 2>/dev/null; do
            [ "$(now_ms)" -lt "$deadline" ] || { echo "${0##*/}: no '$marker' in $f after 120 s" >&2; exit 1; }
            sleep 0.01
        done
    done
}

echo "${0##*/}: 1. start -> marker (bench/boot.sh, $runs runs each)" >&2
"$here/boot.sh" --runs "$runs" --guest hello --memory "$memory" --no-aot-variant \
    --extra jxen-xl "bin/xl create -c -q $tmp/hello.cfg" --summary "$tmp/boot.json" >&2

echo "${0##*/}: 2./3. $parallel at once, and their memory" >&2
rss_before=$(rss_kib "$jxend_pid")
t0=$(now_ms)
for ((i = 0; i < parallel; i++)); do
    printf 'name = "idle%d"\ntype = "pvh"\nkernel = "%s"\ncmdline = "action=halt"\nmemory = %d\n' "$i" "$idle" "$memory" > "$tmp/idle$i.cfg"
    "$root/bin/xl" create -q "$tmp/idle$i.cfg" &
done
wait
logs=()
for ((i = 0; i < parallel; i++)); do logs+=("$JXEN_LOGDIR/console/guest-idle$i.log"); done
await_marker "jxen-guest shutdown start" "${logs[@]}"
jxen_parallel_ms=$(($(now_ms) - t0))
rss_after=$(rss_kib "$jxend_pid")
for ((i = 0; i < parallel; i++)); do "$root/bin/xl" destroy "idle$i"; done
t0=$(now_ms)
outs=()
for ((i = 0; i < parallel; i++)); do
    # shellcheck disable=SC2086 # the QEMU command line is a word list
    $q -serial "file:$tmp/qemu$i.out" -kernel "$idle" -append "action=halt" &
    qemu_pids+=($!)
    outs+=("$tmp/qemu$i.out")
done
await_marker "jxen-guest shutdown start" "${outs[@]}"
qemu_parallel_ms=$(($(now_ms) - t0))
qemu_rss=0
for p in "${qemu_pids[@]}"; do qemu_rss=$((qemu_rss + $(rss_kib "$p"))); done
qemu_rss=$((qemu_rss / parallel))
for p in "${qemu_pids[@]}"; do kill "$p"; done
wait 2>/dev/null || true
qemu_pids=()

echo "${0##*/}: 4. cycles for $seconds s each" >&2
cycles() { # COMMAND...: how many complete runs in $seconds
    local end=$(($(now_ms) + seconds * 1000)) n=0
    while [ "$(now_ms)" -lt "$end" ]; do
        "$@" >/dev/null 2>&1 || { echo "${0##*/}: $* failed" >&2; exit 1; }
        n=$((n + 1))
    done
    echo "$n"
}
jxen_cycles=$(cycles "$root/bin/xl" create -c -q "$tmp/hello.cfg")
# shellcheck disable=SC2086
qemu_cycles=$(cycles $q -serial stdio -kernel "$hello")

export R_OUT=$out R_DATE=$BENCH_DATE_UTC R_CMD=$command_line R_BOOT=$tmp/boot.json R_P=$parallel R_S=$seconds \
    R_JP=$jxen_parallel_ms R_QP=$qemu_parallel_ms R_RB=$rss_before R_RA=$rss_after R_QR=$qemu_rss \
    R_JC=$jxen_cycles R_QC=$qemu_cycles R_MEM=$memory
python3 - <<'PY'
import json, os
e = os.environ
boot = json.load(open(e["R_BOOT"]))
p, s = int(e["R_P"]), int(e["R_S"])
per_domain = (int(e["R_RA"]) - int(e["R_RB"])) / p / 1024
r = {
    "date_utc": e["R_DATE"], "command": e["R_CMD"], "memory_mib": int(e["R_MEM"]),
    "start_to_marker": boot,
    "parallel": {"domains": p, "jxen_ms": int(e["R_JP"]), "qemu_ms": int(e["R_QP"]),
                 "ratio": round(int(e["R_JP"]) / int(e["R_QP"]), 2)},
    "density": {"jxend_mib_per_idle_domain": round(per_domain, 2), "qemu_process_mib": round(int(e["R_QR"]) / 1024, 2)},
    "cycles_per_second": {"jxen": round(int(e["R_JC"]) / s, 2), "qemu": round(int(e["R_QC"]) / s, 2),
                          "ratio": round(int(e["R_JC"]) / max(1, int(e["R_QC"])), 2)},
}
json.dump(r, open(e["R_OUT"], "w"), indent=2)
print(json.dumps({k: v for k, v in r.items() if k != "start_to_marker"}, indent=2))
PY
echo "${0##*/}: wrote $out" >&2
