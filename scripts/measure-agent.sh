#!/bin/sh
# measure-agent.sh PID SECONDS OUT.csv: every 10 s, the utime+stime clock ticks
# (USER_HZ 100) and VmRSS kB of PID, for the agent RSS and CPU figures in
# bench/results/*-agent.md. CPU % of one core per window = Δticks / 100 / Δt × 100.
pid=$1; dur=$2; out=$3
echo "t,ticks,rss_kb" > "$out"
end=$(( $(date +%s) + dur ))
while [ "$(date +%s)" -lt "$end" ]; do
  [ -d /proc/$pid ] || break
  ticks=$(awk '{print $14+$15}' /proc/$pid/stat)
  rss=$(awk '/^VmRSS:/{print $2}' /proc/$pid/status)
  echo "$(date +%s),$ticks,$rss" >> "$out"
  sleep 10
done
