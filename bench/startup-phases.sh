#!/usr/bin/env bash
# bench/startup-phases.sh: where one jxen-run boot's time goes, from timestamps of that one process.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: bench/startup-phases.sh [--runs N] [--guest NAME]

Boots guests/build/NAME.elf (default hello) with bin/jxen-run N times (default 10) with the AOT
cache and N times without it (JXEN_NO_AOT=1), each boot timing itself: the JVM logs, with
  JXEN_JVM_OPTS='-Xlog:startuptime,class+init,os+thread=info:file=LOG:timenanos,uptimenanos,tid -Xlog:async'
the moments listed below on CLOCK_MONOTONIC (the clock of its timenanos decoration), and
bench/c/marktime.c, on the same clock, gives the fork, the guest's marker line and the exit. In
the same rotation, N boots each way without the logging show what the logging itself costs.
Events, in the order they happen in every boot:
  fork        marktime forks bin/jxen-run
  jvm         the JVM's own time origin (timenanos - uptimenanos of its log lines), set as
              libjvm initialises: the launcher script, the java launcher and loading libjvm
              come before it
  vm-created  "Create VM" of -Xlog:startuptime: the JVM is initialised, module graph included
  main        org.jxen.cli.run.JxenRun initialised: its main() starts
  kvm-open    org.jxen.kvm.Kvm initialised, on the "prewarm" thread: /dev/kvm is opened next,
              side by side with picocli on the main thread (a time, not a phase)
  parsed      org.jxen.vmm.machine.MachineSpec initialised, on the main thread: picocli has
              parsed the command line and call() holds the KVM device; Machine.create is next
  vcpu0       the first log line of thread <domain>-vcpu0: the VM, its memory, devices, ACPI
              tables and the kernel are set up and vCPU 0 starts
  marker      marktime reads the guest's marker line
  exit-call   java.lang.Shutdown initialised: System.exit, after the guest powered off
  exit        marktime's wait4 returns
A run whose events do not come in this order (kvm-open: after main, before parsed), or that
lacks one, stops the script with the run's log named. Since every run has them in order, the
medians of the event times are in order too: the phases are the differences of consecutive
medians (kvm-open left out), so they are never negative and add up to the median exit time.
Then one boot each way with -Xlog:class+load, for the classes loaded by source.
Needs: /dev/kvm, gcc, python3, a built jxen and guests/build/NAME.elf (make -C guests); an AOT
cache (bench/make-aot-cache.sh) for the first column. Writes
bench/results/startup-phases-NAME-<date>.json; every run's figures and JVM log stay in
bench/results/raw/startup-phases-NAME-<start time>/ (git-ignored).
EOF
}

. "$here/common.sh"
invoked=$(bench_command_line bench/startup-phases.sh "$@")
runs=10 guest=hello
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --guest) guest=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "startup-phases.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
case "$runs" in ''|*[!0-9]*|0) echo "startup-phases.sh: --runs $runs (expected: a whole number >= 1)" >&2; exit 2 ;; esac
marker="jxen-guest $guest marker"
[ "$guest" = hello ] || marker="jxen-guest $guest start"

dev=${JXEN_KVM_DEVICE:-/dev/kvm}
[ -r "$dev" ] && [ -w "$dev" ] || { echo "startup-phases.sh: $dev cannot be opened; every event from parsed on needs a VM" >&2; exit 1; }
[ -f "$root/guests/build/$guest.elf" ] || { echo "startup-phases.sh: guests/build/$guest.elf is missing (make -C guests)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "startup-phases.sh: python3 not found" >&2; exit 1; }
tool=$here/target/c/marktime
if [ ! -x "$tool" ] || [ "$here/c/marktime.c" -nt "$tool" ]; then
    mkdir -p "$here/target/c"
    gcc -O2 -Wall -Wextra -Werror -o "$tool" "$here/c/marktime.c"
fi

. "$root/bin/jxen-env"
lib=$(jxen_lib_dir "$root")
[ -f "$lib/jxen-run.aot" ] || echo "startup-phases.sh: note: no $lib/jxen-run.aot (bench/make-aot-cache.sh); both columns are without it"
kvm_kind=$("$root/bin/jxen-run" --host-info | sed -n 's/^kvm_kind *: *//p')

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
logdir=$here/results/raw/startup-phases-$guest-$stamp
mkdir -p "$logdir"
raw=$logdir/runs.tsv
printf 'round\tmode\tlogged\tmarker_ms\ttotal_ms\tmaxrss_kib\tcpu_ms\tstatus\tstart_ns\n' > "$raw"
boot="bin/jxen-run --kernel guests/build/$guest.elf --memory 256 --vcpus 1"
xlog="-Xlog:startuptime,class+init,os+thread=info:file=%s:timenanos,uptimenanos,tid -Xlog:async"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "jxen-run start-up phases: guest $guest, $runs runs per column (plus 1 warm-up round); KVM: $kvm_kind; load average $load_before"
echo "  $boot"
cd "$root"
for round in $(seq 0 "$runs"); do
    for mode in aot noaot; do
        for logged in 1 0; do
            opts=""
            # shellcheck disable=SC2059 # xlog is the format, with the log's name for %s
            [ $logged = 0 ] || opts=$(printf -- "$xlog" "$logdir/$mode-$round.log")
            if [ $mode = aot ]; then unset JXEN_NO_AOT; else export JXEN_NO_AOT=1; fi
            # shellcheck disable=SC2086 # the command line is a word list on purpose
            line=$(JXEN_JVM_OPTS=$opts "$tool" "$marker" -- $boot 2>&1 >/dev/null | grep '^marker_ms=' | tail -1) || true
            [ -n "$line" ] || { echo "startup-phases.sh: $mode run $round: no measurement" >&2; exit 1; }
            eval "$(printf '%s\n' "$line" | tr ' ' '\n' | sed 's/^/m_/')"
            # shellcheck disable=SC2154 # m_* come from the eval above
            if [ "$m_status" != 0 ] || [ "${m_marker_ms%%.*}" = -1 ]; then
                echo "startup-phases.sh: $mode run $round: exit status $m_status, marker ${m_marker_ms} ms" >&2; exit 1
            fi
            if [ "$round" = 0 ]; then rm -f "$logdir/$mode-$round.log"; continue; fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" $mode $logged "$m_marker_ms" "$m_total_ms" \
                "$m_maxrss_kib" "$m_cpu_ms" "$m_status" "$m_start_ns" >> "$raw"
        done
    done
    [ "$round" = 0 ] || printf '.'
done
echo
for mode in aot noaot; do
    if [ $mode = aot ]; then unset JXEN_NO_AOT; else export JXEN_NO_AOT=1; fi
    JXEN_JVM_OPTS="-Xlog:class+load:file=$logdir/classes-$mode.txt" $boot </dev/null >/dev/null 2>&1
done
unset JXEN_NO_AOT
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after: $load_after"

bench_result_file "$here/results" "startup-phases-$guest"
export SP_CMD=$invoked SP_BOOT=$boot SP_XLOG=$xlog SP_KIND=$kvm_kind SP_LOAD="$load_before / $load_after" SP_GUEST=$guest
python3 - "$logdir" "$BENCH_RESULT" <<'EOF'
import csv, json, os, re, statistics, sys
logdir, out = sys.argv[1:]
CHAIN = ["fork", "jvm", "vm-created", "main", "parsed", "vcpu0", "marker", "exit-call", "exit"]
LINE = re.compile(r"^\[(\d+)ns\]\[(\d+)ns\]\[(\d+)\] (.*)$")
INIT = re.compile(r"Initializing '([^']+)'.* by thread \"([^\"]*)\"")
NAMED = re.compile(r"JavaThread exiting \(name: \"([^\"]*)\", tid: (\d+)\)")

def events(run, log):
    """Event times of one run in ms after the fork, from its JVM log and marktime's figures."""
    t0 = int(run["start_ns"])
    ms = lambda ns: (ns - t0) / 1e6
    ev = {"fork": 0.0, "marker": float(run["marker_ms"]), "exit": float(run["total_ms"])}
    first_of_tid, tid_of = {}, {}
    for line in open(log, errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        t, up, tid, msg = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        ev.setdefault("jvm", ms(t - up))
        first_of_tid[tid] = min(t, first_of_tid.get(tid, t))
        i = INIT.search(msg)
        if i:
            tid_of.setdefault(i.group(2), tid)
            for name, cls, thread in (("main", "org/jxen/cli/run/JxenRun", None), ("kvm-open", "org/jxen/kvm/Kvm", None),
                                      ("parsed", "org/jxen/vmm/machine/MachineSpec", "main"),
                                      ("exit-call", "java/lang/Shutdown", None)):
                if i.group(1) == cls and (thread is None or i.group(2) == thread):
                    ev.setdefault(name, ms(t))
        n = NAMED.search(msg)
        if n:
            tid_of.setdefault(n.group(1), n.group(2))
        if msg.startswith("Create VM,"):
            ev.setdefault("vm-created", ms(t))
    vcpu = [tid for name, tid in tid_of.items() if name.endswith("-vcpu0")]
    if vcpu:
        ev["vcpu0"] = ms(first_of_tid[vcpu[0]])
    missing = [e for e in CHAIN + ["kvm-open"] if e not in ev]
    if missing:
        sys.exit("startup-phases.sh: %s has no %s event (seen, ms after fork: %s)"
                 % (log, ", ".join(missing), ", ".join("%s %.1f" % kv for kv in sorted(ev.items(), key=lambda kv: kv[1]))))
    order = list(zip(CHAIN, CHAIN[1:])) + [("main", "kvm-open"), ("kvm-open", "parsed")]
    for a, b in order:
        if ev[a] > ev[b]:
            sys.exit("startup-phases.sh: %s: %s (%.1f ms) comes after %s (%.1f ms)" % (log, a, ev[a], b, ev[b]))
    return ev

def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)

def spread(xs):
    return {"median": statistics.median(xs), "p10": pct(xs, 10), "p90": pct(xs, 90)}

runs = list(csv.DictReader(open(os.path.join(logdir, "runs.tsv")), delimiter="\t"))
modes = {}
for mode in ("aot", "noaot"):
    logged = [r for r in runs if r["mode"] == mode and r["logged"] == "1"]
    plain = [r for r in runs if r["mode"] == mode and r["logged"] == "0"]
    evs = [events(r, os.path.join(logdir, "%s-%s.log" % (mode, r["round"]))) for r in logged]
    times = {e: spread([ev[e] for ev in evs]) for e in CHAIN + ["kvm-open"]}
    phases = [{"from": a, "to": b, "ms": times[b]["median"] - times[a]["median"]} for a, b in zip(CHAIN, CHAIN[1:])]
    modes[mode] = {"runs": len(evs), "events_ms_after_fork": times, "phases_ms": phases,
                   "logged": {k: spread([float(r[k]) for r in logged]) for k in ("marker_ms", "total_ms", "cpu_ms", "maxrss_kib")},
                   "plain": {k: spread([float(r[k]) for r in plain]) for k in ("marker_ms", "total_ms", "cpu_ms", "maxrss_kib")}}

for mode, label in (("aot", "with the AOT cache"), ("noaot", "without it (JXEN_NO_AOT=1)")):
    m = modes[mode]
    print("\n%s, %d runs: event, ms after fork, median (p10..p90)" % (label, m["runs"]))
    for e in CHAIN[:4] + ["kvm-open"] + CHAIN[4:]:
        t = m["events_ms_after_fork"][e]
        print("  %-11s %7.1f (%.1f..%.1f)" % (e, t["median"], t["p10"], t["p90"]))
    print("  phases (differences of consecutive medians; they add up to the median exit):")
    for p in m["phases_ms"]:
        print("    %-10s -> %-10s %7.1f" % (p["from"], p["to"], p["ms"]))
    print("  logging's cost: median exit %.1f ms logged, %.1f ms plain"
          % (m["logged"]["total_ms"]["median"], m["plain"]["total_ms"]["median"]))

def classes(path):
    srcs = {"archive (CDS/AOT)": 0, "JDK modules (jrt:/)": 0, "jxen jars": 0, "picocli jar": 0, "generated at run time": 0, "other": 0}
    for l in open(path):
        if "shared objects file" in l: srcs["archive (CDS/AOT)"] += 1
        elif "source: jrt:/" in l: srcs["JDK modules (jrt:/)"] += 1
        elif "picocli" in l: srcs["picocli jar"] += 1
        elif "/jxen-" in l: srcs["jxen jars"] += 1
        elif "__JVM_LookupDefineClass__" in l or "__dynamic_proxy__" in l or re.search(r"source: (java\.|jdk\.|org\.jxen)", l): srcs["generated at run time"] += 1
        else: srcs["other"] += 1
    srcs["total"] = sum(srcs.values())
    return srcs
counts = {mode: classes(os.path.join(logdir, "classes-%s.txt" % mode)) for mode in ("aot", "noaot")}
print("\nclasses loaded in one boot (-Xlog:class+load): " + "; ".join(
    "%s: %s" % (mode, ", ".join("%s %d" % kv for kv in c.items() if kv[1])) for mode, c in counts.items()))

summary = {"benchmark": "startup-phases", "command": os.environ["SP_CMD"], "date_utc": os.environ["BENCH_DATE_UTC"],
           "boot_command": os.environ["SP_BOOT"], "jvm_log_options": os.environ["SP_XLOG"] % "LOG",
           "kvm_kind": os.environ["SP_KIND"], "cpus": os.cpu_count(), "guest": os.environ["SP_GUEST"],
           "load_average_before_after": os.environ["SP_LOAD"],
           "clock": "CLOCK_MONOTONIC: marktime's fork, marker and wait4; the JVM's timenanos decoration",
           "raw": os.path.relpath(logdir, os.path.dirname(out)), "with_aot": modes["aot"], "without_aot": modes["noaot"],
           "classes_loaded": counts}
with open(out, "x") as f:
    json.dump(summary, f, indent=1)
    f.write("\n")
print("summary: " + os.path.relpath(out))
EOF
