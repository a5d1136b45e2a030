# bench/common.sh: sourced by the bench scripts (not run on its own): the name of a run's summary
# (every run adds a file and none replaces another: bench/results/README.md), the command line it
# records, and the options of the JMH scripts.

# bench_result_file DIR PREFIX: sets BENCH_DATE_UTC to now (the summary's date_utc field) and
# BENCH_RESULT to DIR/PREFIX-<that date without colons>.json, e.g.
# bench/results/boot-hello-2026-11-26T080455Z.json. Fails if that file exists already (two runs
# finishing in the same second): a run never overwrites another.
bench_result_file() {
    BENCH_DATE_UTC=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    BENCH_RESULT=$1/$2-${BENCH_DATE_UTC//:/}.json
    if [ -e "$BENCH_RESULT" ]; then
        echo "${0##*/}: $BENCH_RESULT exists already; not overwriting it (run again in a second)" >&2
        return 1
    fi
    mkdir -p "$1"
    export BENCH_DATE_UTC BENCH_RESULT
}

# bench_command_line SCRIPT ARG...: the command as typed, quoted so it can be pasted back into a
# shell (the summary's "command" field).
bench_command_line() {
    local line=$1
    shift
    [ $# -eq 0 ] || line+=$(printf ' %q' "$@")
    echo "$line"
}

# bench_jmh_options ARG...: the options of the scripts that run JMH (lifecycle.sh,
# xenstore-store.sh) into forks, warmups, iterations, seconds and jvm_args; defaults 1 fork,
# 3 warm-up and 5 measured iterations of 2 s, no extra JVM options. -h calls the script's usage.
# JMH takes whole numbers only, so anything else is refused here, naming the option.
bench_jmh_options() {
    forks=1 warmups=3 iterations=5 seconds=2 jvm_args=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --forks) forks=$2; shift 2 ;;
            --warmups) warmups=$2; shift 2 ;;
            --iterations) iterations=$2; shift 2 ;;
            --time) seconds=$2; shift 2 ;;
            --jvm-args) jvm_args=$2; shift 2 ;;
            -h|--help) usage; exit 0 ;;
            *) echo "${0##*/}: unknown option $1 (try --help)" >&2; exit 2 ;;
        esac
    done
    local name value
    for name in forks warmups iterations seconds; do
        value=${!name}
        case "$value" in
            ''|*[!0-9]*) echo "${0##*/}: $value is not a whole number (--${name/seconds/time}; JMH counts whole iterations and seconds)" >&2; exit 2 ;;
        esac
    done
}
