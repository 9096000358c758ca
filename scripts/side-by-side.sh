#!/bin/bash
# usage: scripts/side-by-side.sh [HOURS [REQUESTS_PER_SECOND [ROUNDS]]]      (defaults: 3 165 2)
#
# Issue 16's benchmark: gluu-kpi against the Postgres-only alternative (COPY the raw events into a
# jsonb table, then one SQL statement of per-minute percentiles, counts and errors: see
# com.gluu.kpi.bench.SideBySide), on the same generated file and the same embedded PostgreSQL,
# whole processes, alternating, ROUNDS rounds (after one untimed warm-up run of each). Prints each run's wall time and peak RSS, the
# medians, and gluu-kpi's speed as a multiple of the alternative's (> 1: gluu-kpi is faster).
# 3 hours at 165 requests/s is about 1.8 M lines (620 MB). Needs target/gluu-kpi.jar (mvn package).
# Channels and CloudWatch are switched off for the run (their variables unset), so both sides only
# compute and write. gluu-kpi runs as SPEC §7's replay command, `run --config jobs/local.yaml`, with
# the JVM options of the README's tuned command, jobs/replay.jvm-options (GLUU_JAVA_OPTS overrides
# them): the class-data-sharing archive that mvn package builds next to the jar, a 1 GB heap, the
# parallel GC and raised C2 compilation thresholds. Then it times start-up:
# the bundled 14-line sample, three times with those options and once as plain `java -jar`.
set -euo pipefail
hours=${1:-3}; rate=${2:-165}; rounds=${3:-2}
jar=$(readlink -f "${JAR:-target/gluu-kpi.jar}")
[ -f "$jar" ] || { echo "no $jar: run mvn -DskipTests package first" >&2; exit 2; }
cd "$(dirname "$0")/.."   # jobs/local.yaml names its pricing and rule files relative to the repository
if [ -z "${GLUU_JAVA_OPTS+set}" ]; then
  GLUU_JAVA_OPTS="@jobs/replay.jvm-options"
  # The argument file names target/gluu-kpi.jsa; another JAR brings its own archive (the later option wins).
  if [ "$jar" != "$(readlink -f target/gluu-kpi.jar)" ]; then GLUU_JAVA_OPTS="$GLUU_JAVA_OPTS -XX:SharedArchiveFile=${jar%.jar}.jsa"; fi
  [ -f "${jar%.jar}.jsa" ] || echo "no ${jar%.jar}.jsa (mvn package makes it): start-up without class-data sharing" >&2
fi
read -r -a java_opts <<< "$GLUU_JAVA_OPTS"
# An archive that does not map (the jar rebuilt without it, e.g. by mvn verify -Dgluu.cds.skip=true)
# is silently ignored by the JVM, and the start-up figures would then be without it: say so.
if [ -f "${jar%.jar}.jsa" ] && ! java "${java_opts[@]}" -Xshare:on -jar "$jar" --help > /dev/null 2>&1; then
  echo "WARNING: the class-data-sharing archive does not map with $jar (mvn -DskipTests package rebuilds both):" \
       "the figures below are without it"
fi
work=$(mktemp -d)
db_pid=""
cleanup() { if [ -n "$db_pid" ]; then kill "$db_pid" 2>/dev/null || true; wait "$db_pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
bench() { java -cp "$jar" com.gluu.kpi.bench.SideBySide "$@"; }
# Before each timed run: empty tables, PostgreSQL's dirty buffers written (reset ends with CHECKPOINT)
# and the OS's write-back done (sync), so no run pays for the writes of the one before it. Without
# this, the first postgres-only run once took 75.7 s, 29 s of it outside its COPY and SQL: its
# CREATE TABLE waited on the disk, still writing back the freshly generated 683 MB file.
settle() { bench reset "$url"; sync; }
quiet_env=(env -u CLOUDWATCH_LOG_GROUP -u POSTHOG_API_KEY -u SNS_TOPIC_ARN -u KPI_JDBC_USER -u KPI_JDBC_PASSWORD)

bench generate "$work/trace.jsonl" "$hours" "$rate"
sync
lines=$(wc -l < "$work/trace.jsonl")
java -cp "$jar" com.gluu.kpi.bench.SideBySide database > "$work/db.out" 2>&1 &   # not via bench(): $! must be the JVM, for cleanup
db_pid=$!
for _ in $(seq 600); do grep -q '^jdbc-url ' "$work/db.out" && break; sleep 0.1; done
url=$(sed -n 's/^jdbc-url //p' "$work/db.out")
[ -n "$url" ] || { cat "$work/db.out" >&2; exit 1; }
# The two sides, as arrays (timed() runs them under /usr/bin/time, which needs a program, not a
# function); gluu-kpi's takes the events file last.
postgres_only=("${quiet_env[@]}" java -cp "$jar" com.gluu.kpi.bench.SideBySide postgres-only "$work/trace.jsonl" "$url")
gluu_kpi=("${quiet_env[@]}" java "${java_opts[@]}" -jar "$jar" run --config jobs/local.yaml --jdbc-url "$url" --events)

# timed LABEL COMMAND...: runs it, prints "LABEL seconds rss_mb cpu_seconds" (the process's own
# user + system CPU: for postgres-only that is the client, the work is in the server), keeps its
# output in $work/LABEL.out
timed() {
  local label=$1; shift
  local t0 t1 rss="?" cpu="?"
  t0=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%M %U %S" -o "$work/rss" "$@" > "$work/$label.out" 2>&1 || { tail -20 "$work/$label.out" >&2; exit 1; }
    read -r rss_kb user sys < <(tail -1 "$work/rss")
    rss=$(( rss_kb / 1024 )); cpu=$(echo "$user + $sys" | bc)
  else
    "$@" > "$work/$label.out" 2>&1 || { tail -20 "$work/$label.out" >&2; exit 1; }
  fi
  t1=$(date +%s.%N)
  printf '%s %.1f %s %s\n' "$label" "$(echo "$t1 - $t0" | bc)" "$rss" "$cpu"
}
# lines_per_s SECONDS: lines of the trace per second
lines_per_s() { echo "$lines $1" | awk '{printf "%.0f lines/s", $1 / $2}'; }
# per_million CPU_SECONDS: CPU-s per million lines
per_million() { [ "$1" = "?" ] && echo "?" || echo "$lines $1" | awk '{printf "%.1f", $2 * 1e6 / $1}'; }

echo "gluu-kpi JVM options: ${GLUU_JAVA_OPTS:-none}"
echo "side-by-side: $lines lines, $(( $(stat -c %s "$work/trace.jsonl") >> 20 )) MB, $rounds rounds, $(nproc) cores"
# One untimed run of each first: the first postgres-only run of a fresh database was the slowest
# of every side-by-side (24.8–45.2 s against 22.3–28.3 s for the later ones, 2026-12-07), paying
# for first-time costs (PostgreSQL's first WAL segments, a cold cache) that a database in use has
# paid long ago; gluu-kpi's first run is warmed the same way.
settle
"${postgres_only[@]}" > "$work/warm-up-postgres-only.out" 2>&1
settle
"${gluu_kpi[@]}" "$work/trace.jsonl" > "$work/warm-up-gluu-kpi.out" 2>&1
echo "warm-up: one untimed run of each done"
results=()
for round in $(seq "$rounds"); do
  settle
  r=$(timed "postgres-only-$round" "${postgres_only[@]}")
  echo "round $round: $(echo "$r" | awk '{printf "%s %s s, peak RSS %s MB", $1, $2, $3}'), $(lines_per_s "$(echo "$r" | awk '{print $2}')"); $(tail -1 "$work/postgres-only-$round.out")"
  results+=("$r")
  settle
  r=$(timed "gluu-kpi-$round" "${gluu_kpi[@]}" "$work/trace.jsonl")
  echo "round $round: $(echo "$r" | awk '{printf "%s %s s, peak RSS %s MB, CPU %s s", $1, $2, $3, $4}'), $(lines_per_s "$(echo "$r" | awk '{print $2}')"), $(per_million "$(echo "$r" | awk '{print $4}')") CPU-s per million lines; $(grep 'records read' "$work/gluu-kpi-$round.out" | tail -1)"
  results+=("$r")
done
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
pg=$(printf '%s\n' "${results[@]}" | awk '$1 ~ /^postgres-only/ {print $2}' | median)
gk=$(printf '%s\n' "${results[@]}" | awk '$1 ~ /^gluu-kpi/ {print $2}' | median)
printf 'median: postgres-only %s s, gluu-kpi %s s; gluu-kpi runs at %.2fx the alternative'"'"'s speed\n' \
  "$pg" "$gk" "$(echo "scale=4; $pg / $gk" | bc)"

# Start-up: the whole process on the bundled 14-line sample (target: 3 s).
sample=src/test/resources/samples/events.jsonl
starts=()
for i in 1 2 3; do
  settle
  r=$(timed "start-$i" "${gluu_kpi[@]}" "$sample")
  starts+=("$(echo "$r" | awk '{print $2}')")
done
settle
plain=$(timed "start-plain" "${quiet_env[@]}" java -jar "$jar" run --config jobs/local.yaml --events "$sample" --jdbc-url "$url")
printf 'start-up, %s lines: %s s (median %s s) with the options above; %s s as plain java -jar\n' \
  "$(wc -l < "$sample")" "$(IFS=/; echo "${starts[*]}")" "$(printf '%s\n' "${starts[@]}" | median)" "$(echo "$plain" | awk '{print $2}')"
