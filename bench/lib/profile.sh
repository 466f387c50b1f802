# bench/run --profile: where one task's CPU time goes. One extra agent repetition under
# `perf record -e cpu-clock` (software clock: works without hardware counters) attached to the
# agent's supervisor and workers and to redis-server; the report groups samples by process and
# shared object (libpython = Python, the agent binary = our C++ incl. JSON, [kernel] = syscalls,
# mostly the Redis socket I/O). Sourced by bench/run; called from section_agent.

# profile_agent AGENT_PID TASKS DRIVER_ARGS...
profile_agent() {
  local pid=$1 n=$2; shift 2
  local dir="$BENCH_OUT/profile" pids perf_pid
  mkdir -p "$dir"
  command -v perf >/dev/null || { note "profile skipped: perf not installed"; return 0; }
  pids=$(echo "$pid" $(children_of "$pid") "$REDIS_PID" | tr ' ' ',')
  perf record -e cpu-clock -F 1999 -g -p "$pids" -o "$dir/perf.data" 2> "$dir/perf-record.log" &
  perf_pid=$!
  sleep 0.5  # perf attaches asynchronously; there is no event to await
  "$@" --count "$n" --tag prof > "$dir/run.out" || die "profile: the profiled repetition failed"
  # SIGTERM, not SIGINT: a background job of a non-interactive shell ignores SIGINT.
  kill -TERM "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  perf report -i "$dir/perf.data" --no-children --sort comm,dso --stdio -g none > "$dir/by_dso.full" 2>/dev/null || true
  perf report -i "$dir/perf.data" --no-children --sort comm,dso,sym --stdio -g none > "$dir/by_symbol.full" 2>/dev/null || true
  awk '!/^#/ && /%/ && n++ < 25' "$dir/by_dso.full" > "$dir/by_dso.txt"
  awk '!/^#/ && /%/ && n++ < 60' "$dir/by_symbol.full" > "$dir/by_symbol.txt"
  {
    echo "profile of one agent repetition (N=$n, $(awk -F= '$1 == "tasks_per_s" { print $2 }' "$dir/run.out") tasks/s), CPU samples by process and object:"
    sed 's/^/    /' "$dir/by_dso.txt"
    echo "  (by symbol: $dir/by_symbol.txt)"
  } >> "$BENCH_OUT/profile.txt"
  log "profile written to $dir"
}
