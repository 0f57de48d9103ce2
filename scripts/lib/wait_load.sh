# shellcheck shell=bash
# Sourced by the benchmark scripts.
#
# wait_for_load NAME LIMIT MINUTES: polls the 1-minute load average every 30 s until it is
# below LIMIT, for at most MINUTES, and then returns whatever the load is. NAME prefixes the
# messages.
wait_for_load() {
  local name=$1 limit=$2 minutes=$3 load attempt
  local polls=$((minutes * 2))
  for attempt in $(seq 1 "$polls"); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk -v load="$load" -v limit="$limit" 'BEGIN { exit !(load < limit) }'; then return 0; fi
    if [ "$attempt" -eq "$polls" ]; then
      echo "$name: the load average is still $load after $minutes minutes; measuring anyway" >&2
      return 0
    fi
    echo "$name: load average $load is not below $limit; checking again in 30 s"
    sleep 30
  done
}
