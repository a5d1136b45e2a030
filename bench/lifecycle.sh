#!/usr/bin/env bash
# bench/lifecycle.sh: VM create -> first exit -> destroy, jxen's Java (JMH) against the same loop in C.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: bench/lifecycle.sh [--forks F] [--warmups W] [--iterations I] [--time SECONDS] [--jvm-args "ARGS"]

Runs, in this order: bench/c/vm_cycle.c (built here with gcc), the JMH benchmark
org.jxen.bench.VmLifecycleBench (cycle and machine), and vm_cycle again, so drift on a noisy host
shows as a difference between the two C runs. Both C runs and the JMH cycle use the same warm-up
and measurement iterations of the same length. Prints each result with its spread and the ratio
jxen cycle / C cycle (throughput; 1.0 = as fast as C).
  cycle    KVM_CREATE_VM, 64 KiB RAM slot, KVM_CREATE_VCPU, sregs/regs for 32-bit protected mode,
           KVM_RUN to the guest's `out 0x10` exit, close all (/dev/kvm opened once)
  machine  org.jxen.vmm.machine.Machine: build with guests/build/hello.elf (256 MiB, 1 vCPU),
           start, wait for ACPI power-off, close (no C counterpart; compare bench/boot.sh)

Options (defaults: 1 fork, 3 warm-up and 5 measured iterations of 2 s):
  --forks F  --warmups W  --iterations I  --time SECONDS
  --jvm-args ARGS   extra JVM options for the JMH fork (always given: --enable-native-access=ALL-UNNAMED)

Needs: a built bench module (mvn install: bench/target/jxen-bench-*.jar and bench/target/lib),
gcc, python3, guests/build/hello.elf. Writes bench/results/lifecycle-<date>.json (summary, a new
file every run) and bench/results/raw/lifecycle-jmh-<date>.json (JMH's own output, git-ignored).
EOF
}

. "$here/common.sh"
invoked=$(bench_command_line bench/lifecycle.sh "$@")
bench_jmh_options "$@"

jar=$(ls "$here"/target/jxen-bench-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)
[ -n "$jar" ] && [ -d "$here/target/lib" ] || { echo "lifecycle.sh: bench is not built (mvn install)" >&2; exit 1; }
[ -f "$root/guests/build/hello.elf" ] || { echo "lifecycle.sh: guests/build/hello.elf is missing (make -C guests)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "lifecycle.sh: python3 not found" >&2; exit 1; }

cycle=$here/target/c/vm_cycle
if [ ! -x "$cycle" ] || [ "$here/c/vm_cycle.c" -nt "$cycle" ]; then
    mkdir -p "$here/target/c"
    gcc -O2 -Wall -Wextra -Werror -o "$cycle" "$here/c/vm_cycle.c"
fi

. "$root/bin/jxen-env"
java=$(jxen_find_java)
mkdir -p "$here/results/raw"
jmh_json=$here/results/raw/lifecycle-jmh-$(date -u +%Y-%m-%dT%H%M%SZ).json
c_before=$(mktemp) c_after=$(mktemp)
trap 'rm -f "$c_before" "$c_after"' EXIT

kvm_kind=$("$root/bin/jxen-run" --host-info | sed -n 's/^kvm_kind *: *//p')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "VM lifecycle: jxen (JMH) against C; KVM: $kvm_kind; $(nproc) CPUs; load average $load_before"
c_cmd="bench/target/c/vm_cycle -w $warmups -i $iterations -t $seconds"
jmh_cmd="$java --sun-misc-unsafe-memory-access=allow -cp $jar:$here/target/lib/* org.openjdk.jmh.Main VmLifecycleBench -f $forks -wi $warmups -i $iterations -w ${seconds}s -r ${seconds}s -jvmArgs \"--enable-native-access=ALL-UNNAMED -Djxen.root=$root $jvm_args\" -rf json -rff $jmh_json"
echo "C:   $c_cmd"
echo "JMH: $jmh_cmd"
cd "$root"
echo "--- C, before"
$cycle -w "$warmups" -i "$iterations" -t "$seconds" | tee "$c_before"
echo "--- JMH"
# JMH 1.37 uses sun.misc.Unsafe; the flag keeps JDK 25's deprecation warning out of the output.
"$java" --sun-misc-unsafe-memory-access=allow -cp "$jar:$here/target/lib/*" org.openjdk.jmh.Main VmLifecycleBench -f "$forks" -wi "$warmups" -i "$iterations" \
    -w "${seconds}s" -r "${seconds}s" -jvmArgs "--enable-native-access=ALL-UNNAMED -Djxen.root=$root $jvm_args" \
    -rf json -rff "$jmh_json" | grep -E '^(# (Benchmark|Warmup|Measurement|VM options):|Iteration|Benchmark|VmLifecycleBench)'
echo "--- C, after"
$cycle -w "$warmups" -i "$iterations" -t "$seconds" | tee "$c_after"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after: $load_after"

bench_result_file "$here/results" lifecycle
export LC_KIND=$kvm_kind LC_C_CMD=$c_cmd LC_JMH_CMD=$jmh_cmd LC_INVOKED=$invoked LC_LOAD="$load_before / $load_after"
python3 - "$c_before" "$c_after" "$jmh_json" "$BENCH_RESULT" <<'EOF'
import json, os, re, statistics, sys
before, after, jmh_json, out = sys.argv[1:]
def c_iters(path):
    return [float(m.group(1)) for m in re.finditer(r"^iteration \d+: ([0-9.]+) ops/s", open(path).read(), re.M)]
cb, ca = c_iters(before), c_iters(after)
c_all = cb + ca
c = {"mean_ops_s": statistics.mean(c_all), "min": min(c_all), "max": max(c_all),
     "before_mean": statistics.mean(cb), "after_mean": statistics.mean(ca), "iterations": c_all}
jmh = {}
for b in json.load(open(jmh_json)):
    name = b["benchmark"].rsplit(".", 1)[1]
    pm = b["primaryMetric"]
    raw = [x for fork in pm["rawData"] for x in fork]
    err = pm["scoreError"]
    err = float(err) if isinstance(err, (int, float)) else float("nan")  # "NaN" below 3 iterations
    jmh[name] = {"score": pm["score"], "error_99_9": err, "unit": pm["scoreUnit"], "mode": b["mode"],
                 "min": min(raw), "max": max(raw), "iterations": raw}
cy = jmh["cycle"]
ratio = cy["score"] / c["mean_ops_s"]
print()
print("%-34s %12s %22s" % ("", "mean", "spread"))
print("%-34s %9.1f ops/s  min %.1f .. max %.1f (before %.1f, after %.1f)" % ("C vm_cycle (both runs)", c["mean_ops_s"], c["min"], c["max"], c["before_mean"], c["after_mean"]))
print("%-34s %9.1f ops/s  ± %.1f (99.9%% CI), min %.1f .. max %.1f" % ("jxen VmLifecycleBench.cycle", cy["score"], cy["error_99_9"], cy["min"], cy["max"]))
if "machine" in jmh:
    m = jmh["machine"]
    print("%-34s %9.1f %s   ± %.1f (99.9%% CI), min %.1f .. max %.1f" % ("jxen VmLifecycleBench.machine", m["score"], m["unit"], m["error_99_9"], m["min"], m["max"]))
print()
print("ratio jxen cycle / C cycle (throughput): %.2f  (%.0f us vs %.0f us per cycle)" % (ratio, 1e6 / cy["score"], 1e6 / c["mean_ops_s"]))
print("KVM: " + os.environ["LC_KIND"])
json.dump({"benchmark": "lifecycle", "date_utc": os.environ["BENCH_DATE_UTC"],
           "kvm_kind": os.environ["LC_KIND"], "cpus": os.cpu_count(), "command": os.environ["LC_INVOKED"],
           "load_average_before_after": os.environ["LC_LOAD"],
           "c_command": os.environ["LC_C_CMD"], "jmh_command": os.environ["LC_JMH_CMD"],
           "c": c, "jmh": jmh, "ratio_jxen_cycle_over_c": ratio}, open(out, "w"), indent=1)
open(out, "a").write("\n")
print("summary: " + os.path.relpath(out))
EOF
