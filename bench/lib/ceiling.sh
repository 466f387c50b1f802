# Section "ceiling": the protocol without the plugin (bench/redis_ceiling), two clients. Not a limit (the
# agent with two workers has beaten it); the CPU limit (report.py) comes from the agent's own CPU costs. Sourced by bench/run.
# section_ceiling REPS TASKS: two client processes run the agent's exact Redis command mix for
# TASKS queued tasks; one sample per repetition.
section_ceiling() {
  local reps=$1 n=$2 rep
  local tool="$BIN_BENCH/redis_ceiling/bench_redis_ceiling" dir="$BENCH_OUT/ceiling"
  mkdir -p "$dir"
  for rep in $(seq 1 "$reps"); do
    local start c0 c1 p0 p1
    start=$("$tool" fill --port "$REDIS_PORT" --prefix bench-ceiling --tasks "$n") || die "ceiling: fill failed"
    c0=$("$tool" counters --port "$REDIS_PORT") || die "ceiling: INFO failed"
    "$tool" work --port "$REDIS_PORT" --prefix bench-ceiling --worker 0 --start-at "$start" > "$dir/w0.$rep" & p0=$!
    "$tool" work --port "$REDIS_PORT" --prefix bench-ceiling --worker 1 --start-at "$start" > "$dir/w1.$rep" & p1=$!
    wait "$p0" || die "ceiling: client 0 failed (see above)"
    wait "$p1" || die "ceiling: client 1 failed (see above)"
    c1=$("$tool" counters --port "$REDIS_PORT") || die "ceiling: INFO failed"
    local line
    line=$(cat "$dir/w0.$rep" "$dir/w1.$rep" | awk -v start="$start" -v n="$n" -v c0="$c0" -v c1="$c1" '
      { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        tasks += v["tasks"]; rt += v["round_trips"]; if (v["last_ns"] > last) last = v["last_ns"] }
      END {
        split(c0, a, /[ =]/); split(c1, b, /[ =]/)
        if (tasks != n) { print "error: " tasks " of " n " tasks ran"; exit }
        printf "%.1f %.3f %.4f\n", n / ((last - start) / 1e9), rt / n, (b[6] - a[6]) * 1000 / n }')
    case "$line" in error*) die "ceiling: $line";; esac
    set -- $line
    sample ceiling_tasks_per_s "$1" tasks/s "the protocol without the plugin (an agent worker's work minus the plugin call), 2 clients, N=$n; not a limit: see cpu_limit_tasks_per_s"
    sample ceiling_round_trips_per_task "$2" "" "round trips per task in that run (client count)"
    sample ceiling_redis_cpu_ms_per_task "$3" ms "redis-server CPU per task in that run"
    log "ceiling rep $rep: $1 tasks/s"
  done
}
