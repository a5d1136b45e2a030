#!/usr/bin/env bash
# bench/jvm-flags.sh: jxen-run's boot under alternative JVM flag sets, side by side (via boot.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF2'
usage: bench/jvm-flags.sh [--runs N]

Each variant below is the java command bin/jxen-run execs, with one change, and an AOT cache
trained for exactly its flags (in a temporary directory; the same training run as
bench/make-aot-cache.sh). All are run by bench/boot.sh in one rotation with jxen, QEMU microvm
and QEMU pc, N runs each (default 10); the summary goes to bench/results/jvm-flags-hello-<date>.json.
  launcher      bin/jxen-run's flags + its AOT cache (the reference)
  allow         - --illegal-native-access=deny (with it, JDK 25 drops the cache's module graph
                and linking; the launchers pass it since 2026-12-02, before that only without the cache)
  tiered        - -XX:TieredStopAtLevel=1 (C1 and C2)
  xint          -Xint instead of -XX:TieredStopAtLevel=1 (interpreter only)
  g1            -XX:+UseG1GC instead of -XX:+UseSerialGC
  perfdata      - -XX:-UsePerfData
  no-xmn        - -Xmn8m
  nospec        + -Djdk.internal.foreign.DowncallLinker.USE_SPEC=false (FFM: no per-shape bytecode)
  cts10, cts50  -XX:CompileThresholdScaling=N instead of the launcher's 20
  cts1          - -XX:CompileThresholdScaling=20 (the JVM's usual thresholds)
  coh           + -XX:+UseCompactObjectHeaders
EOF2
}
. "$here/common.sh"
invoked=$(bench_command_line bench/jvm-flags.sh "$@")
runs=10
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "jvm-flags.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

. "$root/bin/jxen-env"
java=$(jxen_find_java)
lib=$(jxen_lib_dir "$root")
kernel=guests/build/hello.elf
# The launcher adds the native-access check to its flags (jxen_aot_flags in bin/jxen-env).
F=" $JXEN_JVM_FLAGS $JXEN_JVM_NATIVE_DENY "
without() { local f=$F; f=${f/ $1 / }; echo "$f"; }
variants=(
    launcher "$F"
    allow "$(without "$JXEN_JVM_NATIVE_DENY")"
    tiered "$(without -XX:TieredStopAtLevel=1)"
    xint "$(without -XX:TieredStopAtLevel=1) -Xint"
    g1 "$(without -XX:+UseSerialGC) -XX:+UseG1GC"
    perfdata "$(without -XX:-UsePerfData)"
    no-xmn "$(without -Xmn8m)"
    nospec "$F -Djdk.internal.foreign.DowncallLinker.USE_SPEC=false"
    cts10 "$(without -XX:CompileThresholdScaling=20) -XX:CompileThresholdScaling=10"
    cts50 "$(without -XX:CompileThresholdScaling=20) -XX:CompileThresholdScaling=50"
    cts1 "$(without -XX:CompileThresholdScaling=20)"
    coh "$F -XX:+UseCompactObjectHeaders"
)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
main="-p $lib -m org.jxen.cli/org.jxen.cli.run.JxenRun --kernel $kernel --memory 256 --vcpus 1"
extra=()
cd "$root"
for ((i = 0; i < ${#variants[@]}; i += 2)); do
    name=${variants[$i]}
    flags=$(echo ${variants[$((i + 1))]})
    # shellcheck disable=SC2086
    if ! "$java" $flags -XX:AOTCacheOutput="$dir/$name.aot" $main </dev/null >"$dir/$name.log" 2>&1 || [ ! -s "$dir/$name.aot" ]; then
        echo "jvm-flags.sh: training $name failed:" >&2; cat "$dir/$name.log" >&2; exit 1
    fi
    extra+=(--extra "jxen-$name" "$java $flags -XX:AOTCache=$dir/$name.aot $main")
done
BOOT_COMMAND_LINE=$invoked "$here/boot.sh" --runs "$runs" --no-aot-variant --prefix jvm-flags-hello "${extra[@]}"
