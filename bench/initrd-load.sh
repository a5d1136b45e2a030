#!/usr/bin/env bash
# bench/initrd-load.sh: time and peak RSS of loading an initrd into guest memory, streamed (now)
# against the heap copy jxen made up to commit 418cd9a; on a KVM host also whole jxen-run boots.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: bench/initrd-load.sh [--runs N] [--sizes "MiB ..."] [--no-boot] [--summary FILE]

Part 1, no KVM needed: org.jxen.bench.InitrdLoad loads guests/build/hello.elf and an initrd of
each size (random bytes, read once beforehand so the page cache holds it) into a memfd guest of
2 x size + 512 MiB, one load per JVM, alternating the modes:
  stream   KernelLoader.load as jxen-run does now (sendfile into the memfd, no heap copy)
  heap     the initrd as up to 418cd9a: one heap ByteBuffer of the file, then copied into guest RAM
and once each with -Xmx256m at the smallest size (the old path needs the file on the heap).
Per load: load time (System.nanoTime around the load), VmHWM (peak RSS of the JVM), RssShmem
(guest RAM filled through jxen's own mapping), host Shmem growth (guest RAM filled at all).
Part 2, only where bin/jxen-run --host-info says kvm_kind is not none (skipped with --no-boot):
bin/jxen-run --kernel guests/build/hello.elf --initrd FILE --memory M, timed to exit by
bench/c/marktime (wall time, ru_maxrss), against the same boot without --initrd.

Options:
  --runs N        loads per mode and size (default 3)
  --sizes LIST    initrd sizes in MiB (default "256 1024")
  --no-boot       skip part 2
  --summary FILE  where to write the JSON (default bench/results/initrd-load-<UTC date>.json)
Needs: python3, a packaged bench module (mvn -pl bench -am package -DskipTests: bench/target/
jxen-bench-*.jar and bench/target/lib), guests/build/hello.elf (make -C guests); part 2 also gcc
and a built jxen-run. Temporary initrds go to a directory under ${TMPDIR:-/tmp}, removed at exit.
EOF
}

invoked="bench/initrd-load.sh${*:+ $*}"
runs=3 sizes="256 1024" boot=1 summary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --sizes) sizes=$2; shift 2 ;;
        --no-boot) boot=0; shift ;;
        --summary) summary=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "initrd-load.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
case "$runs" in ''|*[!0-9]*|0) echo "initrd-load.sh: --runs $runs (expected: a positive integer)" >&2; exit 2 ;; esac
for s in $sizes; do
    case "$s" in ''|*[!0-9]*|0) echo "initrd-load.sh: size $s (expected: MiB, a positive integer)" >&2; exit 2 ;; esac
done
date_utc=$(date -u +%Y-%m-%d)
[ -n "$summary" ] || summary=$here/results/initrd-load-$date_utc.json

jar=$(ls "$here"/target/jxen-bench-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)
[ -n "$jar" ] && [ -d "$here/target/lib" ] || { echo "initrd-load.sh: bench is not packaged (mvn -pl bench -am package -DskipTests)" >&2; exit 1; }
kernel=$root/guests/build/hello.elf
[ -f "$kernel" ] || { echo "initrd-load.sh: $kernel is missing (make -C guests)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "initrd-load.sh: python3 not found" >&2; exit 1; }
. "$root/bin/jxen-env"
java=$(jxen_find_java)

work=$(mktemp -d "${TMPDIR:-/tmp}/jxen-initrd-load.XXXXXX")
trap 'rm -rf "$work"' EXIT
lines=$work/loads.jsonl boots=$work/boots.tsv
: > "$lines"
printf 'size_mib\tvariant\ttotal_ms\tmaxrss_kib\tstatus\n' > "$boots"

echo "initrd load benchmark: sizes $sizes MiB, $runs loads per mode and size; $(nproc) CPUs, $(uname -r)"
loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
for size in $sizes; do
    f=$work/initrd-$size.img
    head -c "${size}M" /dev/urandom > "$f"
    cat "$f" > /dev/null
    mem=$((2 * size + 512))
    for run in $(seq 1 "$runs"); do
        for mode in stream heap; do
            "$java" --enable-native-access=ALL-UNNAMED -cp "$jar:$here/target/lib/*" org.jxen.bench.InitrdLoad \
                "$mode" "$kernel" "$f" "$mem" | sed "s/^{/{\"run\": $run, \"xmx\": \"default\", /" >> "$lines" || true
            printf '.'
        done
    done
done
small=$(printf '%s\n' $sizes | sort -n | head -1)
for mode in stream heap; do
    "$java" -Xmx256m --enable-native-access=ALL-UNNAMED -cp "$jar:$here/target/lib/*" org.jxen.bench.InitrdLoad \
        "$mode" "$kernel" "$work/initrd-$small.img" $((2 * small + 512)) \
        | sed 's/^{/{"run": 1, "xmx": "256m", /' >> "$lines" || true
done
echo

kvm_kind=none
if host_info=$("$root/bin/jxen-run" --host-info 2>/dev/null); then
    kvm_kind=$(printf '%s\n' "$host_info" | sed -n 's/^kvm_kind *: *//p')
fi
if [ "$boot" = 1 ] && [ "$kvm_kind" != none ] && [ -n "$kvm_kind" ]; then
    tool=$here/target/c/marktime
    if [ ! -x "$tool" ] || [ "$here/c/marktime.c" -nt "$tool" ]; then
        mkdir -p "$here/target/c"
        gcc -O2 -Wall -Wextra -Werror -o "$tool" "$here/c/marktime.c"
    fi
    cd "$root"
    for size in $sizes; do
        mem=$((2 * size + 512))
        for run in $(seq 1 "$runs"); do
            for variant in initrd none; do
                args=(bin/jxen-run --kernel "$kernel" --memory "$mem" --timeout 120)
                [ "$variant" = initrd ] && args+=(--initrd "$work/initrd-$size.img")
                line=$("$tool" "jxen-guest hello end" -- "${args[@]}" 2>&1 >/dev/null | grep '^marker_ms=' | tail -1) || true
                [ -n "$line" ] || { echo "initrd-load.sh: no measurement from ${args[*]}" >&2; exit 1; }
                eval "$(printf '%s\n' "$line" | tr ' ' '\n' | sed 's/^/m_/')"
                # shellcheck disable=SC2154 # m_* come from the eval above
                printf '%s\t%s\t%s\t%s\t%s\n' "$size" "$variant" "$m_total_ms" "$m_maxrss_kib" "$m_status" >> "$boots"
                printf '.'
            done
        done
    done
    echo
else
    echo "part 2 (jxen-run boots) skipped: $([ "$boot" = 0 ] && echo "--no-boot" || echo "kvm_kind=$kvm_kind")"
fi
loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$lines" "$boots" "$summary" "$invoked" "$kvm_kind" "$loadavg_before" "$loadavg_after" "$runs" <<'PY'
import csv, json, statistics, sys, datetime, os
lines, boots, summary, invoked, kvm, la_before, la_after, runs = sys.argv[1:]
loads = [json.loads(l) for l in open(lines) if l.strip()]
def med(xs):
    return round(statistics.median(xs), 1) if xs else None
table = []
for xmx in ("default", "256m"):
    for size in sorted({l["initrd_bytes"] for l in loads}):
        for mode in ("stream", "heap"):
            rs = [l for l in loads if l["xmx"] == xmx and l["initrd_bytes"] == size and l["mode"] == mode]
            if not rs:
                continue
            ok = [r for r in rs if "error" not in r]
            row = {"initrd_mib": size >> 20, "mode": mode, "xmx": xmx, "loads": len(rs), "failed": len(rs) - len(ok),
                   "load_ms_median": med([r["load_ms"] for r in ok]),
                   "load_ms_min_max": [round(min(r["load_ms"] for r in ok), 1), round(max(r["load_ms"] for r in ok), 1)] if ok else None,
                   "peak_rss_mib_median": med([r["VmHWM"] / 1024 for r in ok]),
                   "peak_rss_beyond_guest_ram_mib_median": med([(r["VmHWM"] - r["RssShmem"]) / 1024 for r in ok]),
                   "jvm_rss_before_load_mib_median": med([r["vm_hwm_before_kib"] / 1024 for r in ok]),
                   "host_shmem_growth_mib_median": med([r["host_shmem_growth_kib"] / 1024 for r in ok])}
            errs = sorted({r["error"] for r in rs if "error" in r})
            if errs:
                row["errors"] = errs
            table.append(row)
boot_rows = list(csv.DictReader(open(boots), delimiter="\t"))
boot_table = []
for size in sorted({r["size_mib"] for r in boot_rows}, key=int):
    for v in ("initrd", "none"):
        rs = [r for r in boot_rows if r["size_mib"] == size and r["variant"] == v]
        boot_table.append({"initrd_mib": int(size) if v == "initrd" else 0, "memory_mib": 2 * int(size) + 512,
                           "runs": len(rs), "statuses": sorted({r["status"] for r in rs}),
                           "total_ms_median": med([float(r["total_ms"]) for r in rs]),
                           "maxrss_mib_median": med([int(r["maxrss_kib"]) / 1024 for r in rs])})
out = {
    "benchmark": "initrd-load",
    "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "command": invoked,
    "kvm_kind": kvm,
    "cpus": os.cpu_count(),
    "kernel": os.uname().release,
    "load_average_before_after": la_before + " / " + la_after,
    "runs": int(runs),
    "note": "memfd loads: load_ms around KernelLoader.load (stream) or its replica of the pre-418cd9a initrd path (heap); "
            "peak RSS = VmHWM of the JVM; beyond guest RAM = VmHWM - RssShmem; host shmem growth = guest RAM filled",
    "memfd_loads": table,
    "jxen_run_boots": boot_table if boot_table else "skipped (no KVM or --no-boot)",
}
os.makedirs(os.path.dirname(os.path.abspath(summary)), exist_ok=True)
with open(summary, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
fmt = "{:>6} {:>6} {:>7} {:>5} {:>10} {:>12} {:>14} {:>10}"
print(fmt.format("MiB", "mode", "-Xmx", "fail", "load ms", "peak RSS MiB", "beyond RAM MiB", "shmem MiB"))
for r in table:
    print(fmt.format(r["initrd_mib"], r["mode"], r["xmx"], r["failed"], str(r["load_ms_median"]),
                     str(r["peak_rss_mib_median"]), str(r["peak_rss_beyond_guest_ram_mib_median"]),
                     str(r["host_shmem_growth_mib_median"])))
for r in boot_table:
    print("jxen-run boot, initrd {} MiB, memory {} MiB: {} ms, maxrss {} MiB, status {}".format(
        r["initrd_mib"], r["memory_mib"], r["total_ms_median"], r["maxrss_mib_median"], r["statuses"]))
print("wrote", summary)
PY
