#!/usr/bin/env bash
# bench/boot.sh: whole-VM boot A/B, jxen-run against QEMU on the same guest binary, one run.
# See --help. Writes bench/results/boot-<guest>-<date>.json (summary) and bench/results/raw/ (git-ignored).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$here/common.sh"
# set by scripts that call this one (jvm-flags.sh)
cmdline=${BOOT_COMMAND_LINE:-$(bench_command_line bench/boot.sh "$@")}

usage() {
    cat <<'EOF'
usage: bench/boot.sh [--runs N] [--guest NAME] [--memory MiB] [--marker TEXT] [--no-aot-variant]
                     [--extra NAME 'COMMAND']... [--prefix NAME | --summary FILE] [--keep-output]

Boots guests/build/NAME.elf under three VMMs, alternating runs (a b c a b c ...):
  jxen          bin/jxen-run --kernel guests/build/NAME.elf --memory M --vcpus 1
  qemu-microvm  qemu-system-x86_64 -M microvm,acpi=on ... -kernel guests/build/NAME.elf
  qemu-pc       qemu-system-x86_64 -M pc -bios /usr/share/qemu/qboot.rom ... -kernel guests/build/NAME.elf
plus, when jxen-cli/target/lib/jxen-run.aot exists, "jxen-noaot" (the same launcher with JXEN_NO_AOT=1),
unless --no-aot-variant. QEMU common part:
  -accel kvm -cpu host,-arch-capabilities -nodefaults -no-reboot -display none -serial stdio -smp 1 -m M

Per run, measured by bench/c/marktime.c (built here with gcc) on CLOCK_MONOTONIC from just before
fork(): time to the first stdout line containing the marker, time to process exit (wait4), and
peak RSS = wait4's ru_maxrss (the figure /usr/bin/time -f %M prints; includes the launcher shell
and anything it waited for) plus user+system CPU time. stdin is /dev/null. One unrecorded warm-up
round first (page cache, QEMU ROMs). Every run must exit 0 and print the marker, or the script fails.

Options:
  --runs N          recorded runs per VMM (default 10; at least 10 for the published figures)
  --guest NAME      guest under guests/build (default hello)
  --memory MiB      guest RAM for every VMM (default 256)
  --marker TEXT     line to time (default "jxen-guest hello marker" for hello, else "jxen-guest NAME start")
  --no-aot-variant  do not add the jxen-noaot variant
  --extra NAME CMD  one more variant in the rotation (repeatable), e.g. an older launcher for a
                    before/after figure; CMD is run from the checkout's root, split on spaces
  --prefix NAME     the summary is bench/results/NAME-<date>.json (default boot-GUEST; <date> is
                    the summary's date_utc, so every run adds a file: bench/results/README.md)
  --summary FILE    write the JSON summary to FILE instead
  --keep-output     keep each run's console output under bench/results/raw/
  -h, --help        this text

Output: a table (median, p10, p90 of time-to-marker, total time, peak RSS, CPU), the ratios
jxen / qemu-microvm and jxen / qemu-pc of the medians, the host's KVM kind (jxen-run --host-info);
bench/results/PREFIX-<date>.json (small summary, meant to be committed) and
bench/results/raw/PREFIX-<start time>.tsv (every run; git-ignored); PREFIX is boot-GUEST unless --prefix.
Needs: gcc, python3, qemu-system-x86_64, a built jxen (mvn install) and guests (make -C guests).
EOF
}

runs=10 guest=hello memory=256 marker="" aot_variant=1 keep=0
extra_names=() extra_cmds=() summary="" prefix=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --guest) guest=$2; shift 2 ;;
        --memory) memory=$2; shift 2 ;;
        --marker) marker=$2; shift 2 ;;
        --no-aot-variant) aot_variant=0; shift ;;
        --extra) extra_names+=("$2"); extra_cmds+=("$3"); shift 3 ;;
        --prefix) prefix=$2; shift 2 ;;
        --summary) summary=$2; shift 2 ;;
        --keep-output) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "boot.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
case "$runs" in ''|*[!0-9]*) echo "boot.sh: --runs $runs (expected: a positive integer)" >&2; exit 2 ;; esac
[ "$runs" -ge 1 ] || { echo "boot.sh: --runs $runs (expected: >= 1)" >&2; exit 2; }
[ -n "$marker" ] || { if [ "$guest" = hello ]; then marker="jxen-guest hello marker"; else marker="jxen-guest $guest start"; fi; }

kernel=$root/guests/build/$guest.elf
qboot=/usr/share/qemu/qboot.rom
[ -f "$kernel" ] || { echo "boot.sh: $kernel is missing (run make -C guests)" >&2; exit 1; }
[ -f "$qboot" ] || { echo "boot.sh: $qboot is missing (Debian package qemu-system-data)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "boot.sh: qemu-system-x86_64 not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "boot.sh: python3 not found" >&2; exit 1; }

# The timing helper: rebuilt when its source is newer.
tool=$here/target/c/marktime
if [ ! -x "$tool" ] || [ "$here/c/marktime.c" -nt "$tool" ]; then
    mkdir -p "$here/target/c"
    gcc -O2 -Wall -Wextra -Werror -o "$tool" "$here/c/marktime.c"
fi

host_info=$("$root/bin/jxen-run" --host-info) || { echo "boot.sh: bin/jxen-run --host-info failed (is jxen built?)" >&2; exit 1; }
kvm_kind=$(printf '%s\n' "$host_info" | sed -n 's/^kvm_kind *: *//p')
lib=$root/jxen-cli/target/lib
[ -d "$root/lib" ] && lib=$root/lib

# The JVM ignores a cache older than a jar of the module path (other builds in the same tree make
# that happen mid-run): say so, since jxen would then be measured without it.
aot_state() {
    local jar
    [ -f "$lib/jxen-run.aot" ] || { echo no; return; }
    for jar in "$lib"/*.jar; do
        [ "$jar" -nt "$lib/jxen-run.aot" ] && { echo "stale ($(basename "$jar") is newer)"; return; }
    done
    echo yes
}
aot_before=$(aot_state)
case "$aot_before" in stale*) echo "boot.sh: warning: AOT cache $aot_before; run bench/make-aot-cache.sh" >&2 ;; esac

q="qemu-system-x86_64 -accel kvm -cpu host,-arch-capabilities -nodefaults -no-reboot -display none -serial stdio -smp 1 -m $memory"
names=(jxen qemu-microvm qemu-pc)
cmds=(
    "bin/jxen-run --kernel guests/build/$guest.elf --memory $memory --vcpus 1"
    "$q -M microvm,acpi=on -kernel guests/build/$guest.elf"
    "$q -M pc -bios $qboot -kernel guests/build/$guest.elf"
)
if [ "$aot_variant" = 1 ] && [ -f "$lib/jxen-run.aot" ]; then
    names+=(jxen-noaot)
    cmds+=("env JXEN_NO_AOT=1 bin/jxen-run --kernel guests/build/$guest.elf --memory $memory --vcpus 1")
fi
for i in "${!extra_names[@]}"; do names+=("${extra_names[$i]}"); cmds+=("${extra_cmds[$i]}"); done

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$here/results/raw"
raw=$here/results/raw/${prefix:-boot-$guest}-$stamp.tsv
outdir=$here/results/raw/${prefix:-boot-$guest}-$stamp
mkdir -p "$outdir"
printf 'round\tvmm\tmarker_ms\ttotal_ms\tmaxrss_kib\tcpu_ms\tstatus\n' > "$raw"

echo "jxen boot benchmark: guest $guest, $memory MiB, 1 vCPU, $runs runs per VMM (plus 1 warm-up), alternating"
echo "host: $(uname -r), $(nproc) CPUs, KVM: $kvm_kind; $(qemu-system-x86_64 --version | head -1); jxen AOT cache: $aot_before"
loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $loadavg_before"
for i in "${!names[@]}"; do printf '  %-13s %s\n' "${names[$i]}" "${cmds[$i]}"; done

cd "$root"
for round in $(seq 0 "$runs"); do
    for i in "${!names[@]}"; do
        out=$outdir/${names[$i]}-$round.out
        # shellcheck disable=SC2086 # the command lines are word lists on purpose
        line=$("$tool" -o "$out" "$marker" -- ${cmds[$i]} 2>&1 >/dev/null | grep '^marker_ms=' | tail -1) || true
        if [ -z "$line" ]; then
            echo "boot.sh: ${names[$i]} run $round: no measurement (see $out)" >&2; exit 1
        fi
        eval "$(printf '%s\n' "$line" | tr ' ' '\n' | sed 's/^/m_/')"
        # shellcheck disable=SC2154 # m_* come from the eval above
        if [ "$m_status" != 0 ] || [ "${m_marker_ms%%.*}" = -1 ]; then
            echo "boot.sh: ${names[$i]} run $round: exit status $m_status, marker ${m_marker_ms} ms (output in $out)" >&2; exit 1
        fi
        [ "$round" = 0 ] && continue
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "${names[$i]}" "$m_marker_ms" "$m_total_ms" "$m_maxrss_kib" "$m_cpu_ms" "$m_status" >> "$raw"
    done
    [ "$round" = 0 ] || printf '.'
done
echo
loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)
aot_after=$(aot_state)
[ "$aot_after" = "$aot_before" ] || echo "boot.sh: warning: the AOT cache changed state during the run: $aot_before -> $aot_after" >&2
echo "load average after: $loadavg_after"
[ "$keep" = 1 ] || rm -rf "$outdir"

if [ -n "$summary" ]; then
    case "$summary" in /*) ;; *) summary=$root/$summary ;; esac
    export BENCH_DATE_UTC=$(date -u +%Y-%m-%dT%H:%M:%SZ)
else
    bench_result_file "$here/results" "${prefix:-boot-$guest}"
    summary=$BENCH_RESULT
fi
export BOOT_RAW=$raw BOOT_SUMMARY=$summary BOOT_KIND=$kvm_kind BOOT_CMD=$cmdline \
    BOOT_GUEST=$guest BOOT_MEMORY=$memory BOOT_MARKER=$marker BOOT_LOAD_BEFORE=$loadavg_before BOOT_LOAD_AFTER=$loadavg_after BOOT_AOT="$aot_before / $aot_after"
BOOT_COMMANDS=$(for i in "${!names[@]}"; do printf '%s\t%s\n' "${names[$i]}" "${cmds[$i]}"; done)
export BOOT_COMMANDS
python3 - <<'EOF'
import csv, json, os, platform, statistics, subprocess

def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)

rows = list(csv.DictReader(open(os.environ["BOOT_RAW"]), delimiter="\t"))
commands = dict(l.split("\t", 1) for l in os.environ["BOOT_COMMANDS"].splitlines())
order = list(commands)
stats = {}
for vmm in order:
    rs = [r for r in rows if r["vmm"] == vmm]
    stats[vmm] = {"runs": len(rs), "command": commands[vmm]}
    for key, name in (("marker_ms", "marker_ms"), ("total_ms", "total_ms"), ("maxrss_kib", "peak_rss_kib"), ("cpu_ms", "cpu_ms")):
        xs = [float(r[key]) for r in rs]
        stats[vmm][name] = {"median": statistics.median(xs), "p10": pct(xs, 10), "p90": pct(xs, 90),
                            "min": min(xs), "max": max(xs)}

print()
print("%-13s %26s %26s %26s %10s" % ("", "time to marker ms", "total ms", "peak RSS MiB", "CPU ms"))
print("%-13s %26s %26s %26s %10s" % ("VMM", "median (p10..p90)", "median (p10..p90)", "median (p10..p90)", "median"))
for vmm in order:
    s = stats[vmm]
    f = lambda k, d=1.0, fmt="%.1f": (fmt % (s[k]["median"] / d)) + " (" + (fmt % (s[k]["p10"] / d)) + ".." + (fmt % (s[k]["p90"] / d)) + ")"
    print("%-13s %26s %26s %26s %10.0f" % (vmm, f("marker_ms"), f("total_ms"), f("peak_rss_kib", 1024), s["cpu_ms"]["median"]))

ratios = {}
for num in [v for v in order if v.startswith("jxen")]:
    for den in ("qemu-microvm", "qemu-pc"):
        ratios[num + "/" + den] = {k: stats[num][k]["median"] / stats[den][k]["median"]
                                   for k in ("marker_ms", "total_ms", "peak_rss_kib", "cpu_ms")}
print()
print("ratios of medians       marker   total   peak RSS   CPU")
for k, r in ratios.items():
    print("%-22s %7.2f %7.2f %10.2f %5.2f" % (k, r["marker_ms"], r["total_ms"], r["peak_rss_kib"], r["cpu_ms"]))
print()
print("KVM: " + os.environ["BOOT_KIND"])

java = subprocess.run(["sh", "-c", ". bin/jxen-env && \"$(jxen_find_java)\" -version 2>&1 | head -1"],
                      capture_output=True, text=True).stdout.strip()
qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
summary = {
    "benchmark": "boot", "command": os.environ["BOOT_CMD"], "date_utc": os.environ["BENCH_DATE_UTC"],
    "kvm_kind": os.environ["BOOT_KIND"], "kernel": platform.release(), "cpus": os.cpu_count(), "java": java, "qemu": qemu,
    "guest": os.environ["BOOT_GUEST"], "memory_mib": int(os.environ["BOOT_MEMORY"]), "vcpus": 1,
    "marker": os.environ["BOOT_MARKER"], "jxen_aot_cache_before_after": os.environ["BOOT_AOT"],
    "load_average_before": os.environ["BOOT_LOAD_BEFORE"], "load_average_after": os.environ["BOOT_LOAD_AFTER"],
    "rss_source": "wait4() ru_maxrss of the launched process (as /usr/bin/time -f %M)",
    "clock": "CLOCK_MONOTONIC from just before fork() (bench/c/marktime.c)",
    "raw": os.path.relpath(os.environ["BOOT_RAW"], os.path.dirname(os.environ["BOOT_SUMMARY"])),
    "results": stats, "ratios_of_medians": ratios,
}
with open(os.environ["BOOT_SUMMARY"], "w") as f:
    json.dump(summary, f, indent=1)
    f.write("\n")
print("summary: " + os.path.relpath(os.environ["BOOT_SUMMARY"]) + "  raw: " + os.path.relpath(os.environ["BOOT_RAW"]))
EOF
