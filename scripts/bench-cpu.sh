#!/bin/bash
# usage: scripts/bench-cpu.sh JAR EVENTS LABEL [extra java options...]
# Runs `java -jar JAR bench --events EVENTS` and prints events/s and the JVM's user+system CPU
# between the "generated" line and the result line (job CPU, JIT/GC included), per million events.
# Needs bc. Alternate two jars to compare builds on a shared machine.
jar=$(readlink -f "$1"); n=$2; label=$3; shift 3
out=$(mktemp)
tck=$(getconf CLK_TCK)
cd "${TMPDIR:-/tmp}"
java "$@" -jar "$jar" bench --events "$n" > "$out" 2>&1 &
pid=$!
c0=""; c1=""
while kill -0 $pid 2>/dev/null; do
  if [ -z "$c0" ] && grep -q "bench: generated" "$out"; then
    c0=$(awk '{print $14+$15}' /proc/$pid/stat)
  fi
  if [ -z "$c1" ] && grep -q "events/s" "$out"; then
    c1=$(awk '{print $14+$15}' /proc/$pid/stat); tot=$c1
  fi
  [ -r /proc/$pid/stat ] && tot=$(awk '{print $14+$15}' /proc/$pid/stat 2>/dev/null || echo $tot)
  sleep 0.1
done
wait $pid
eps=$(grep -o '[0-9,]* events/s' "$out" | tr -d ', events/s')
rt=$(grep -o 'in [0-9.]* s of job runtime' "$out" | awk '{print $2}')
jobcpu=$(echo "scale=1; ($c1-$c0)/$tck" | bc)
percm=$(echo "scale=2; ($c1-$c0)/$tck*1000000/$n" | bc)
echo "$label n=$n eps=$eps runtime=${rt}s jobcpu=${jobcpu}s cpu_per_M=${percm}s load=$(cut -d' ' -f1 /proc/loadavg)"
grep -q "events/s" "$out" || tail -20 "$out"
rm -f "$out"
