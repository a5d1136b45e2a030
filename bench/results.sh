# bench/results.sh: sourced by the bench scripts (not run on its own) for the name of a run's
# summary. Every run adds a file and none replaces another (bench/results/README.md).

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
