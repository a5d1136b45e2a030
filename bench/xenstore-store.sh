#!/usr/bin/env bash
# bench/xenstore-store.sh: jxen's XenStore core without the socket (JMH), one dated summary per run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: bench/xenstore-store.sh [--forks F] [--warmups W] [--iterations I] [--time SECONDS] [--jvm-args "ARGS"]

Runs the JMH benchmark org.jxen.bench.XenstoreStoreBench (its Javadoc describes each case: READ
as Dom0 and as the node's owner, READ decoded from a request payload, WRITE, DIRECTORY of 100
children, a transaction, one change matched against 1000 watches), one thread, throughput.
Needs no KVM.

Options (defaults: 1 fork, 3 warm-up and 5 measured iterations of 2 s; about 2 minutes):
  --forks F  --warmups W  --iterations I  --time SECONDS
  --jvm-args ARGS   extra JVM options for the JMH fork (default: none, the JVM's defaults)

Needs: a built bench module (mvn package: bench/target/jxen-bench-*.jar and bench/target/lib),
python3. Writes bench/results/xenstore-store-<date>.json (summary, a new file every run) and
bench/results/raw/xenstore-store-jmh-<date>.json (JMH's own output, git-ignored).
EOF
}

. "$here/common.sh"
invoked=$(bench_command_line bench/xenstore-store.sh "$@")
bench_jmh_options "$@"

jar=$(ls "$here"/target/jxen-bench-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)
[ -n "$jar" ] && [ -d "$here/target/lib" ] || { echo "xenstore-store.sh: bench is not built (mvn package)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "xenstore-store.sh: python3 not found" >&2; exit 1; }

. "$root/bin/jxen-env"
java=$(jxen_find_java)
mkdir -p "$here/results/raw"
jmh_json=$here/results/raw/xenstore-store-jmh-$(date -u +%Y-%m-%dT%H%M%SZ).json
jmh=("$java" --sun-misc-unsafe-memory-access=allow -cp "$jar:$here/target/lib/*" org.openjdk.jmh.Main XenstoreStoreBench
     -f "$forks" -wi "$warmups" -i "$iterations" -w "${seconds}s" -r "${seconds}s" -rf json -rff "$jmh_json")
[ -z "$jvm_args" ] || jmh+=(-jvmArgs "$jvm_args")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "XenStore store (JMH); $(nproc) CPUs ($cpu_model), Linux $(uname -r); load average $load_before"
echo "JMH: ${jmh[*]}"
# JMH 1.37 uses sun.misc.Unsafe; the flag keeps JDK 25's deprecation warning out of the output.
"${jmh[@]}" | grep -E '^(# (Benchmark|Warmup|Measurement|VM options):|Iteration|Benchmark|XenstoreStoreBench)'
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after: $load_after"

bench_result_file "$here/results" xenstore-store
export XSS_INVOKED=$invoked XSS_JMH="${jmh[*]}" XSS_LOAD="$load_before / $load_after" XSS_CPU=$cpu_model
export XSS_JAVA=$("$java" -version 2>&1 | head -1)
python3 - "$jmh_json" "$BENCH_RESULT" <<'EOF'
import json, os, platform, sys
jmh_json, out = sys.argv[1:]
results = {}
for b in json.load(open(jmh_json)):
    pm = b["primaryMetric"]
    raw = [x for fork in pm["rawData"] for x in fork]
    err = pm["scoreError"]
    results[b["benchmark"].rsplit(".", 1)[1]] = {
        "score": pm["score"], "error_99_9": err if isinstance(err, (int, float)) else None,  # "NaN" below 3 iterations
        "unit": pm["scoreUnit"], "min": min(raw), "max": max(raw), "iterations": raw}
print()
for name, r in results.items():
    print("%-18s %14.0f %s  (± %s, min %.0f, max %.0f)" % (name, r["score"], r["unit"],
          "%.0f" % r["error_99_9"] if r["error_99_9"] is not None else "n/a", r["min"], r["max"]))
summary = {"benchmark": "xenstore-store", "date_utc": os.environ["BENCH_DATE_UTC"], "command": os.environ["XSS_INVOKED"],
           "jmh_command": os.environ["XSS_JMH"], "cpus": os.cpu_count(), "cpu": os.environ["XSS_CPU"],
           "kernel": platform.release(), "java": os.environ["XSS_JAVA"],
           "load_average_before_after": os.environ["XSS_LOAD"], "threads": 1, "results": results}
with open(out, "x") as f:
    json.dump(summary, f, indent=1)
    f.write("\n")
print("summary: " + os.path.relpath(out))
EOF
