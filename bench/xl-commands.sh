#!/usr/bin/env bash
# bench/xl-commands.sh: what an xl command costs against a running jxend, beside a XenStore round
# trip to the same daemon (Debian's C xenstore-read) and the control API (curl), and what jxend's
# start costs when xl starts it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")
. "$here/common.sh"

usage() {
    cat <<'EOF2'
usage: bench/xl-commands.sh [--domains N] [--blocks B] [--per-block K] [--starts S] [--out FILE]

Starts a jxend of its own (run, state and log directories and XenStore socket under a temporary
directory), creates N idle domains (jxen's shutdown guest with action=halt, 16 MiB; needs KVM,
so N > 0 fails without it), then runs B blocks; in each block, in turn, K runs of each of
  xl-list      bin/xl list (the native launcher, the command run inside jxend)
  xl-domid     bin/xl domid Domain-0 (the smallest xl command)
  xenstore     xenstore-read /local/domain/0/name (Debian's C client, the same jxend)
  api          curl --unix-socket jxend.sock http://localhost/v1/domains
and records each block's mean wall time per run (fork and exec included, the same for all).
Then S times: jxend stopped, and the wall time of 'xl list' that starts it again.
Defaults: N = 0, B = 10, K = 20, S = 3.
Writes FILE (default bench/results/xl-commands-<date and time, UTC>.json).
EOF2
}

domains=0 blocks=10 per=20 starts=3 out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --domains) domains=$2; shift 2 ;;
        --blocks) blocks=$2; shift 2 ;;
        --per-block) per=$2; shift 2 ;;
        --starts) starts=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "${0##*/}: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
for v in "$domains" "$blocks" "$per" "$starts"; do
    [[ $v =~ ^[0-9]+$ ]] || { echo "${0##*/}: '$v' is not a whole number" >&2; exit 2; }
done
command -v xenstore-read >/dev/null || { echo "${0##*/}: xenstore-read is missing (apt-get install xenstore-utils)" >&2; exit 1; }
[ -x "$root/bin/xl" ] || { echo "${0##*/}: bin/xl is not built (./jxen build)" >&2; exit 1; }
command_line=$(bench_command_line "bench/xl-commands.sh" "$@")
if [ -z "$out" ]; then
    bench_result_file "$here/results" xl-commands
    out=$BENCH_RESULT
else
    BENCH_DATE_UTC=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fi

tmp=$(mktemp -d)
export JXEN_RUNDIR=$tmp/run JXEN_STATEDIR=$tmp/state JXEN_LOGDIR=$tmp/log XENSTORED_PATH=$tmp/xenstored/socket
stop_jxend() {
    local pid
    pid=$(cat "$JXEN_RUNDIR/jxend.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
}
trap 'stop_jxend; rm -rf "$tmp"' EXIT

"$root/bin/jxend"
for ((i = 0; i < domains; i++)); do
    printf 'name = "idle%d"\ntype = "pvh"\nkernel = "%s"\ncmdline = "action=halt"\nmemory = 16\n' "$i" \
        "$root/guests/build/shutdown.elf" > "$tmp/idle$i.cfg"
    "$root/bin/xl" create -q "$tmp/idle$i.cfg"
done
echo "${0##*/}: jxend with $domains domain(s); $blocks blocks of $per runs each" >&2

now_ns() { date +%s%N; }
run_block() { # NAME: K runs, prints the mean in ms
    local t0 t1 i
    t0=$(now_ns)
    for ((i = 0; i < per; i++)); do
        case "$1" in
            xl-list) "$root/bin/xl" list >/dev/null ;;
            xl-domid) "$root/bin/xl" domid Domain-0 >/dev/null ;;
            xenstore) xenstore-read /local/domain/0/name >/dev/null ;;
            api) curl -s --unix-socket "$JXEN_RUNDIR/jxend.sock" http://localhost/v1/domains >/dev/null ;;
        esac
    done
    t1=$(now_ns)
    echo "scale=3; ($t1 - $t0) / $per / 1000000" | bc
}
declare -A samples
names="xl-list xl-domid xenstore api"
for n in $names; do run_block "$n" >/dev/null; done  # warm-up: jxend compiles the paths
for ((b = 0; b < blocks; b++)); do
    for n in $names; do samples[$n]+="$(run_block "$n") "; done
done
starts_ms=""
for ((s = 0; s < starts; s++)); do
    stop_jxend
    t0=$(now_ns)
    "$root/bin/xl" list >/dev/null
    t1=$(now_ns)
    starts_ms+="$(echo "scale=1; ($t1 - $t0) / 1000000" | bc) "
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
json_list() { echo "$1" | tr -s ' ' | sed 's/ $//; s/ /, /g'; }
{
    echo "{"
    echo "  \"date_utc\": \"$BENCH_DATE_UTC\","
    echo "  \"command\": \"$command_line\","
    echo "  \"host\": {\"cpus\": $(nproc), \"kvm\": \"$(sed -n 's/^kvm_kind *: //p' <("$root/bin/xl" info 2>/dev/null) || true)\"},"
    echo "  \"domains\": $domains, \"per_block\": $per,"
    for n in $names; do
        echo "  \"$n\": {\"median_ms\": $(echo "${samples[$n]}" | median), \"blocks_ms\": [$(json_list "${samples[$n]}")]},"
    done
    xl=$(echo "${samples[xl-list]}" | median)
    xs=$(echo "${samples[xenstore]}" | median)
    echo "  \"xl_list_over_xenstore_read\": $(echo "scale=2; $xl / $xs" | bc),"
    echo "  \"jxend_start_by_xl_ms\": {\"median_ms\": $(echo "$starts_ms" | median), \"runs_ms\": [$(json_list "$starts_ms")]}"
    echo "}"
} > "$out"
cat "$out"
