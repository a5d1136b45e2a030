#!/usr/bin/env bash
# bench/startup-phases.sh: where jxen-run's boot time goes, measured from outside. See --help.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: bench/startup-phases.sh [--runs N] [--guest NAME]

Splits a jxen-run boot of guests/build/NAME.elf (default hello) into phases by running commands
that stop at successive points, alternating, N times each (default 10), with and without the
AOT cache (JXEN_NO_AOT=1), and subtracting medians:
  floor     java <jxen's flags> -cp bench/target/classes org.jxen.bench.StartupFloor  (empty main, JDK CDS)
  direct    java <jxen's flags> -p <lib> -m org.jxen.cli/...JxenRun --version        (no launcher script)
  version   bin/jxen-run --version                      (launcher script + JVM + module graph + picocli)
  nokernel  bin/jxen-run --kernel /nonexistent.elf      (+ /dev/kvm, FFM downcall linking, VM, memory,
                                                          devices, ACPI; stops at the kernel loader)
  boot      bin/jxen-run --kernel guests/build/NAME.elf (+ kernel load, vCPU, guest up to the marker,
                                                          and to power-off and exit)
Phases: JVM start = floor; launcher script = version - direct; CLI (module graph of jxen's jars,
picocli, logging) = direct - floor; KVM+FFM+VM set-up (and tear-down of that VM) = nokernel - version;
kernel load + vCPU + the guest's run to power-off = boot - nokernel. The five add up to a boot.
Guest ring-0 time on an emulated-supervisor KVM is the vCPU thread's system time, so it is in CPU.
Then one boot each way with -Xlog:class+load, for class counts by source.
Times are from bench/c/marktime.c (fork to marker line / exit); CPU is user+system of the process.
EOF
}

runs=10 guest=hello
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --guest) guest=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "startup-phases.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
marker="jxen-guest $guest marker"
[ "$guest" = hello ] || marker="jxen-guest $guest start"

tool=$here/target/c/marktime
if [ ! -x "$tool" ] || [ "$here/c/marktime.c" -nt "$tool" ]; then
    mkdir -p "$here/target/c"
    gcc -O2 -Wall -Wextra -Werror -o "$tool" "$here/c/marktime.c"
fi
[ -f "$here/target/classes/org/jxen/bench/StartupFloor.class" ] || { echo "startup-phases.sh: build bench first (mvn install)" >&2; exit 1; }
[ -f "$root/guests/build/$guest.elf" ] || { echo "startup-phases.sh: guests/build/$guest.elf is missing (make -C guests)" >&2; exit 1; }

. "$root/bin/jxen-env"
java=$(jxen_find_java)
lib=$(jxen_lib_dir "$root")
[ -f "$lib/jxen-run.aot" ] || echo "startup-phases.sh: note: no $lib/jxen-run.aot (bench/make-aot-cache.sh); both columns are without it"
main="-p $lib -m org.jxen.cli/org.jxen.cli.run.JxenRun"

raw=$(mktemp)
logdir=$(mktemp -d)
trap 'rm -rf "$raw" "$logdir"' EXIT
cd "$root"
for mode in aot noaot; do
    if [ $mode = aot ]; then unset JXEN_NO_AOT; else export JXEN_NO_AOT=1; fi
    # shellcheck disable=SC2046 # jxen_aot_flags prints a word list
    set -- floor "$java $JXEN_JVM_FLAGS -cp $here/target/classes org.jxen.bench.StartupFloor" \
           direct "$java $JXEN_JVM_FLAGS $(jxen_aot_flags "$lib") $main --version" \
           version "bin/jxen-run --version" \
           nokernel "bin/jxen-run --kernel /nonexistent.elf" \
           boot "bin/jxen-run --kernel guests/build/$guest.elf"
    for round in $(seq 0 "$runs"); do
        for ((i = 1; i < $#; i += 2)); do
            name=${!i}; j=$((i + 1)); cmd=${!j}
            # shellcheck disable=SC2086
            line=$("$tool" "$marker" -- $cmd 2>&1 >/dev/null | grep '^marker_ms=' | tail -1)
            [ "$round" = 0 ] || echo "$mode $name $line" >> "$raw"
        done
    done
    JXEN_JVM_OPTS="-Xlog:class+load:file=$logdir/$mode.txt" bin/jxen-run --kernel "guests/build/$guest.elf" >/dev/null 2>&1
done
unset JXEN_NO_AOT

mkdir -p "$here/results"
export SP_CMD="bench/startup-phases.sh --runs $runs --guest $guest" SP_OUT=$here/results/startup-phases-$guest.json
python3 - "$raw" "$logdir" <<'EOF'
import json, os, re, statistics, sys, time
raw, logdir = sys.argv[1], sys.argv[2]
table = []
m = {}
for line in open(raw):
    mode, name, *kv = line.split()
    d = dict(x.split("=") for x in kv)
    m.setdefault((mode, name), []).append(d)
med = lambda mode, name, k: statistics.median(float(d[k]) for d in m[(mode, name)])
print("medians of %d runs, ms (wall / CPU)" % len(m[("aot", "boot")]))
print("%-46s %17s %17s" % ("phase (rows 1-5 add up to the whole boot)", "with AOT cache", "without"))
def row(label, f):
    vals = [f(mode) for mode in ("aot", "noaot")]
    table.append({"phase": label.strip(), "with_aot_wall_ms": vals[0][0], "with_aot_cpu_ms": vals[0][1],
                  "without_aot_wall_ms": vals[1][0], "without_aot_cpu_ms": vals[1][1]})
    print("%-46s %17s %17s" % (label, *("%6.0f / %6.0f" % v for v in vals)))
both = lambda g: (lambda mode: (g(mode, "total_ms"), g(mode, "cpu_ms")))
row("JVM start (empty main)", both(lambda mo, k: med(mo, "floor", k)))
row("launcher script (bin/jxen-run, jxen-env)", both(lambda mo, k: med(mo, "version", k) - med(mo, "direct", k)))
row("jxen modules + picocli + logging (--version)", both(lambda mo, k: med(mo, "direct", k) - med(mo, "floor", k)))
row("/dev/kvm, FFM linking, VM, memory, devices, ACPI", both(lambda mo, k: med(mo, "nokernel", k) - med(mo, "version", k)))
row("kernel load, vCPU, guest run to power-off", both(lambda mo, k: med(mo, "boot", k) - med(mo, "nokernel", k)))
row("  (of which: marker line to exit; wall only)", lambda mo: (med(mo, "boot", "total_ms") - med(mo, "boot", "marker_ms"), float("nan")))
row("whole boot: marker line (wall only)", lambda mo: (med(mo, "boot", "marker_ms"), float("nan")))
row("whole boot: exit", both(lambda mo, k: med(mo, "boot", k)))
print("peak RSS of a boot, MiB: with AOT %.1f, without %.1f" % (med("aot", "boot", "maxrss_kib") / 1024, med("noaot", "boot", "maxrss_kib") / 1024))
print()
print("classes loaded in one boot (-Xlog:class+load):")
classes = {}
for mode in ("aot", "noaot"):
    srcs = {"archive (CDS/AOT)": 0, "JDK modules (jrt:/)": 0, "jxen jars": 0, "picocli jar": 0, "generated at run time": 0, "other": 0}
    total = 0
    for l in open("%s/%s.txt" % (logdir, mode)):
        total += 1
        if "shared objects file" in l: srcs["archive (CDS/AOT)"] += 1
        elif "source: jrt:/" in l: srcs["JDK modules (jrt:/)"] += 1
        elif "picocli" in l: srcs["picocli jar"] += 1
        elif "/jxen-" in l: srcs["jxen jars"] += 1
        elif "__JVM_LookupDefineClass__" in l or "__dynamic_proxy__" in l or re.search(r"source: (java\.|jdk\.|org\.jxen)", l): srcs["generated at run time"] += 1
        else: srcs["other"] += 1
    print("  %-7s %5d: %s" % ("with AOT" if mode == "aot" else "without", total, ", ".join("%s %d" % kv for kv in srcs.items() if kv[1])))
    classes[mode] = dict(srcs, total=total)
clean = lambda x: None if x != x else x  # NaN (not measured) as null
out = {"benchmark": "startup-phases", "command": os.environ["SP_CMD"],
       "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": len(m[("aot", "boot")]),
       "phases_median_ms": [{k: clean(v) for k, v in r.items()} for r in table], "classes_loaded": classes,
       "peak_rss_mib": {"with_aot": med("aot", "boot", "maxrss_kib") / 1024, "without_aot": med("noaot", "boot", "maxrss_kib") / 1024}}
with open(os.environ["SP_OUT"], "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("summary: " + os.path.relpath(os.environ["SP_OUT"]))
EOF
