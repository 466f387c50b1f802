# Section "scheduler": bench/scheduler (written with the scheduler; docs/scheduler.md) at several
# entry counts, so that the growth of cost with work is visible: rebuild time, dispatch rate,
# dispatch lateness, RSS of a process holding the resources and entries. Sourced by bench/run.
# section_scheduler REPS SECONDS "SIZE..."  (the largest size also gives scheduler_p99_lateness_ms)
section_scheduler() {
  local reps=$1 seconds=$2 sizes=$3 size rep tool="$BIN_BENCH/scheduler/bench_scheduler"
  local dir="$BENCH_OUT/scheduler" largest
  [ -x "$tool" ] || die "scheduler: $tool was not built"
  mkdir -p "$dir"
  largest=$(echo "$sizes" | tr ' ' '\n' | sort -n | tail -1)
  for size in $sizes; do
    local k; k=$(( size / 1000 ))k
    if [ "$size" -ge 1000000 ]; then k=$(( size / 1000000 ))m; fi
    for rep in $(seq 1 "$reps"); do
      local out="$dir/$k.$rep.out"
      if [ "$size" -ge 1000000 ]; then
        sample "scheduler_page_touch_us_$k" "$(page_touch_us)" us \
          "scheduler: first write to fresh memory, per 4 KiB page, before the $size run (~1.4 warm, 9-12 cold on this VM)"
      fi
      "$tool" --port "$REDIS_PORT" --prefix "bench-sched-$k" --entries "$size" --frequency 60 \
        --seconds "$seconds" > "$out" 2> "$out.log" || { tail -5 "$out.log" >&2; die "scheduler: bench_scheduler failed at $size entries"; }
      local v; v() { awk -F= -v k="$1" '$1 == k { print $2 }' "$out"; }
      sample "scheduler_rebuild_ms_$k" "$(v rebuild_initial_ms)" ms "scheduler: first rebuild, $size entries (target < 1000 at 100k)"
      sample "scheduler_rebuild_unchanged_ms_$k" "$(v rebuild_unchanged_ms)" ms "scheduler: rebuild with nothing changed, $size entries"
      sample "scheduler_rebuild_change_ms_$k" "$(v rebuild_change_ms)" ms "scheduler: rebuild after 3% churn, $size entries"
      sample "scheduler_dispatch_per_s_$k" "$(v dispatch_rate_per_s)" tasks/s "scheduler: dispatch rate, all $size entries due at once"
      sample "scheduler_p99_lateness_ms_$k" "$(v lateness_p99_ms)" ms "scheduler: dispatch lateness p99, $size entries at 60 s (target < 50)"
      sample "scheduler_lateness_backlog_drained_$k" "$(v lateness_backlog_drained)" "" \
        "scheduler: the backlog drained before the lateness window (1), or not (0: the p99 is the backlog's), $size entries"
      sample "scheduler_rss_mb_$k" "$(v rss_mb)" MiB "scheduler: RSS holding $size entries (target < 200 at 100k, < 500 at 1M)"
      sample "scheduler_rebuild_cpu_ms_$k" "$(v rebuild_initial_cpu_ms)" ms "scheduler: first rebuild, $size entries: CPU of the process"
      sample "scheduler_rebuild_redis_cpu_ms_$k" "$(v rebuild_initial_redis_cpu_ms)" ms "scheduler: first rebuild, $size entries: CPU of Redis"
      if [ "$size" -ge 1000000 ]; then
        sample "scheduler_first_rebuild_ms_$k" "$(v rebuild_initial_ms)" ms "scheduler: first rebuild, $size entries (target < 5000)"
        sample "scheduler_first_rebuild_cpu_ms_$k" "$(v rebuild_initial_cpu_ms)" ms "scheduler: first rebuild, $size entries: CPU of the process"
        sample "scheduler_first_rebuild_redis_cpu_ms_$k" "$(v rebuild_initial_redis_cpu_ms)" ms "scheduler: first rebuild, $size entries: CPU of Redis"
      fi
      if [ "$size" = "$largest" ]; then
        sample scheduler_p99_lateness_ms "$(v lateness_p99_ms)" ms "scheduler: dispatch lateness p99 at $size entries"
        sample scheduler_lateness_backlog_drained "$(v lateness_backlog_drained)" "" \
          "scheduler: the backlog drained before that window (1), or not (0: the p99 is the backlog's)"
      fi
    done
    log "scheduler $size entries: rebuild $(awk -F= '$1 == "rebuild_initial_ms" { print $2 }' "$dir/$k.$reps.out") ms"
    if [ "$size" = 100000 ]; then scheduler_one_plugin "$reps" "$dir"; fi
  done
}

# page_touch_us: the CPU time in us per 4 KiB page of a first write to 256 MiB of fresh anonymous
# memory. On this VM a cold page (one the host does not back: never used since boot, or freed and
# handed back by free page reporting) costs about 9-12 us, a warm one about 1.4 us; Redis touches
# ~650 MiB in a 1M first rebuild, so a high figure here says the rebuild ran on cold memory
# (docs/performance.md, "The scheduler at scale", fifth pass).
page_touch_us() {
  /usr/bin/python3 -c '
import mmap, time
n = 256 << 20
m = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
t = time.process_time()
for i in range(0, n, 4096):
    m[i] = 1
print("%.2f" % ((time.process_time() - t) * 1e6 / (n // 4096)))'
}

# scheduler_one_plugin REPS DIR: 100k entries of 10 plugins (10k resources each); the rebuild after
# one plugin's file changed (bench_scheduler gives the median of 5 per run).
scheduler_one_plugin() {
  local reps=$1 dir=$2 rep tool="$BIN_BENCH/scheduler/bench_scheduler"
  for rep in $(seq 1 "$reps"); do
    local out="$dir/one-plugin.$rep.out"
    "$tool" --port "$REDIS_PORT" --prefix bench-sched-plugins --entries 100000 --plugins 10 --frequency 60 \
      --seconds 1 > "$out" 2> "$out.log" || { tail -5 "$out.log" >&2; die "scheduler: bench_scheduler --plugins 10 failed"; }
    local v; v() { awk -F= -v k="$1" '$1 == k { print $2 }' "$out"; }
    sample scheduler_one_plugin_rebuild_ms_100k "$(v rebuild_one_plugin_ms)" ms \
      "scheduler: rebuild after one of 10 plugins' time_limit changed, 100k entries in all (target < 20)"
    sample scheduler_one_plugin_rebuild_cpu_ms_100k "$(v rebuild_one_plugin_cpu_ms)" ms \
      "scheduler: that rebuild: CPU of the process"
    sample scheduler_one_plugin_rebuild_redis_cpu_ms_100k "$(v rebuild_one_plugin_redis_cpu_ms)" ms \
      "scheduler: that rebuild: CPU of Redis"
    sample scheduler_one_plugin_frequency_rebuild_ms_100k "$(v rebuild_one_plugin_frequency_ms)" ms \
      "scheduler: rebuild after one of 10 plugins' execute_frequency changed (10k new due times)"
  done
}
