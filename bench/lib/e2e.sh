# Section "e2e": panoptes-scheduler + panoptes-agent together at a steady rate (RESOURCES resources x
# the trivial polling plugin every 10 s: RESOURCES/10 tasks/s). Sourced by bench/run.
# Per repetition (a window of SECONDS): due time -> plugin start p50/p99 (bench_e2e_driver, from
# the plugin's own start time and the schedule), and the scheduler's dispatch lateness p50/p99
# (its /metrics histogram, difference of two scrapes).

E2E_FREQUENCY=10

# scrape PORT FILE: GET /metrics of a daemon into FILE.
scrape() { curl -fsS --max-time 5 "http://127.0.0.1:$1/metrics" -o "$2"; }

# schedule_size PREFIX: entries in the polling schedule (docs/redis.md, scheduler layout).
schedule_size() { redis-cli -p "$REDIS_PORT" ZCARD "$1:schedule:polling"; }

# section_e2e REPS SECONDS RESOURCES
section_e2e() {
  local reps=$1 seconds=$2 n=$3 rep
  local dir="$BENCH_OUT/e2e" driver="$BIN_BENCH/e2e_driver/bench_e2e_driver" prefix=bench-e2e
  mkdir -p "$dir"
  [ -x "$driver" ] || die "e2e: $driver was not built"
  write_bench_plugin "$dir" "$E2E_FREQUENCY"
  local sched_http agent_http ini
  sched_http=$(free_port) agent_http=$(free_port)
  ini=$(write_site_config "$dir" "$prefix" "$dir/polling" "$agent_http" "$sched_http")
  "$driver" seed --port "$REDIS_PORT" --prefix "$prefix" --count "$n" > "$dir/seed.out" || die "e2e: seeding failed"
  "$BIN/panoptes-agent" --config "$ini" --kind polling --workers 2 --log-level warn 2> "$dir/agent.log" &
  AGENT_PID=$!
  "$BIN/panoptes-scheduler" --config "$ini" --kind polling --log-level warn 2> "$dir/scheduler.log" &
  SCHED_PID=$!
  e2e_schedule_full() { [ "$(schedule_size "$prefix")" = "$n" ]; }
  wait_for 60 "the scheduler to schedule $n entries (see $dir/scheduler.log)" e2e_schedule_full
  wait_for 30 "the scheduler's /metrics on port $sched_http" scrape "$sched_http" "$dir/metrics.0"
  # Warm-up window (not recorded): the workers start Python and import the plugin.
  "$driver" window --port "$REDIS_PORT" --prefix "$prefix" --seconds 2 --plugin bench_polling > "$dir/warmup.out" ||
    { tail -5 "$dir/agent.log" "$dir/scheduler.log" >&2; die "e2e: no task reached the plugin during warm-up"; }
  for rep in $(seq 1 "$reps"); do
    scrape "$sched_http" "$dir/metrics.a$rep" || die "e2e: scheduler /metrics unreachable"
    "$driver" window --port "$REDIS_PORT" --prefix "$prefix" --seconds "$seconds" --plugin bench_polling \
      > "$dir/window$rep.out" || die "e2e: window $rep measured nothing"
    scrape "$sched_http" "$dir/metrics.b$rep" || die "e2e: scheduler /metrics unreachable"
    local v; v() { awk -F= -v k="$1" '$1 == k { print $2 }' "$dir/window$rep.out"; }
    sample e2e_tasks_per_s "$(v tasks_per_s)" tasks/s "e2e: plugin runs per second ($n resources every ${E2E_FREQUENCY}s)"
    sample e2e_p50_ms "$(v p50_ms)" ms "e2e: due time -> plugin start, p50"
    sample e2e_p99_ms "$(v p99_ms)" ms "e2e: due time -> plugin start, p99 (target < 50)"
    sample e2e_max_ms "$(v max_ms)" ms "e2e: due time -> plugin start, max"
    if "$BENCH_DIR/lib/prom.py" "$dir/metrics.a$rep" "$dir/metrics.b$rep" lateness 50 99 > "$dir/lateness$rep.out"; then
      local l; l() { awk -F= -v k="$1" '$1 == k { print $2 }' "$dir/lateness$rep.out"; }
      sample e2e_sched_lateness_p50_ms "$(l p50_ms)" ms "e2e: scheduler dispatch lateness p50 (its /metrics histogram)"
      sample e2e_sched_lateness_p99_ms "$(l p99_ms)" ms "e2e: scheduler dispatch lateness p99 (its /metrics histogram)"
    else
      die "e2e: no lateness histogram on the scheduler's /metrics (see $dir/metrics.b$rep)"
    fi
    sample scheduler_rss_mb_e2e "$(rss_mb "$SCHED_PID")" MiB "scheduler RSS with $n polling entries (e2e)"
    log "e2e window $rep: $(v tasks_per_s) tasks/s, p50 $(v p50_ms) ms, p99 $(v p99_ms) ms"
  done
  stop_pid "$SCHED_PID" 10; SCHED_PID=""
  stop_pid "$AGENT_PID" 30; AGENT_PID=""
}
