# Section "agent": panoptes-agent throughput on the trivial polling plugin, Redis cost per task,
# supervisor and worker RSS. Sourced by bench/run.

# write_bench_plugin DIR FREQUENCY [NAME]: a bench plugin's file in DIR/polling (NAME: bench_polling,
# the trivial plugin, unless given; bench/plugins/polling/NAME.panoptes-plugin.in).
write_bench_plugin() {
  local name=${3:-bench_polling}
  mkdir -p "$1/polling"
  sed -e "s|@BENCH@|$BENCH_DIR|g" -e "s|@FREQUENCY@|$2|g" \
    "$BENCH_DIR/plugins/polling/$name.panoptes-plugin.in" > "$1/polling/$name.panoptes-plugin"
}

# agent_workers PID: the agent's workers, one per line (its children but the zygote and the Redis
# courier, panoptes-redis).
agent_workers() {
  local c comm
  for c in $(children_of "$1"); do
    comm=$(cat "/proc/$c/comm" 2>/dev/null)
    [ "$comm" = panoptes-zygote ] || [ "$comm" = panoptes-redis ] || echo "$c"
  done
}

# agent_zygote PID: the agent's zygote (empty: none).
agent_zygote() {
  local c
  for c in $(children_of "$1"); do
    [ "$(cat "/proc/$c/comm" 2>/dev/null)" = panoptes-zygote ] && echo "$c"
  done
  return 0
}

# sample_agent_rss PID LABEL: supervisor RSS and each worker's RSS and PSS, idle.
sample_agent_rss() {
  local pid=$1 label=$2 w pss
  sample supervisor_rss_mb "$(rss_mb "$pid")" MiB "agent supervisor RSS, idle ($label)"
  for w in $(agent_workers "$pid"); do
    sample worker_idle_rss_mb "$(rss_mb "$w")" MiB "agent worker RSS, idle, each worker ($label)"
    pss=$(awk '/^Pss:/ { printf "%.1f", $2 / 1024 }' "/proc/$w/smaps_rollup" 2>/dev/null)
    [ -n "$pss" ] && sample worker_idle_pss_mb_w2 "$pss" MiB "agent worker PSS, idle, each of 2 workers ($label)"
  done
}

# agent_cpu_s PID: CPU time of the supervisor and all its children, seconds: the workers (the
# zygote forks them with CLONE_PARENT, so they are the supervisor's children), the zygote and the
# Redis courier.
agent_cpu_s() { tree_cpu_s "$1"; }

# cpu_ms_per_task CPU0_S CPU1_S N: milliseconds of CPU per task between two agent_cpu_s readings.
cpu_ms_per_task() {
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.4f", (b - a) * 1000 / n }'
}

# start_bench_agent INI PREFIX WORKERS LOG: starts panoptes-agent (AGENT_PID) and warms it up with
# 200 tasks (not recorded): its workers have started Python and loaded the plugin after it.
start_bench_agent() {
  local ini=$1 prefix=$2 workers=$3 log=$4
  "$BIN/panoptes-agent" --config "$ini" --kind polling --workers "$workers" --log-level warn 2> "$log" &
  AGENT_PID=$!
  "$BIN_BENCH/agent_driver/bench_agent_driver" run --port "$REDIS_PORT" --prefix "$prefix" --plugin bench_polling \
    --count 200 --tag warm --timeout-s 30 > "${log%.log}.warmup.out" ||
    { tail -20 "$log" >&2; die "agent: warm-up with $workers workers failed; see $log"; }
}

# section_agent REPS TASKS
section_agent() {
  local reps=$1 n=$2 rep
  local dir="$BENCH_OUT/agent" driver="$BIN_BENCH/agent_driver/bench_agent_driver"
  mkdir -p "$dir"
  write_bench_plugin "$dir" 60
  local ini
  ini=$(write_site_config "$dir" bench-agent "$dir/polling" "$(free_port)" 0)
  start_bench_agent "$ini" bench-agent 2 "$dir/agent.log"
  sleep 0.5  # idle: measuring RSS at rest, not a synchronisation
  sample_agent_rss "$AGENT_PID" "after warm-up"
  for rep in $(seq 1 "$reps"); do
    local cpu0 cpu1
    cpu0=$(agent_cpu_s "$AGENT_PID")
    "$driver" run --port "$REDIS_PORT" --prefix bench-agent --plugin bench_polling --count "$n" --tag "r$rep" \
      --timeout-s 120 > "$dir/rep$rep.out" || { tail -20 "$dir/agent.log" >&2; die "agent: repetition $rep failed"; }
    cpu1=$(agent_cpu_s "$AGENT_PID")
    local v; v() { awk -F= -v k="$1" '$1 == k { print $2 }' "$dir/rep$rep.out"; }
    sample agent_cpu_ms_per_task "$(cpu_ms_per_task "$cpu0" "$cpu1" "$n")" ms \
      "agent CPU per task (supervisor, zygote, courier and workers; schedstat)"
    sample agent_tasks_per_s "$(v tasks_per_s)" tasks/s "panoptes-agent, 2 workers, trivial polling plugin, N=$n queued"
    sample redis_round_trips_per_task "$(v round_trips_per_task)" "" "Redis round trips per executed task (server reply writes)"
    sample redis_commands_per_task "$(v commands_per_task)" "" "Redis commands per task, incl. those run by scripts"
    sample redis_cpu_ms_per_task "$(v redis_cpu_ms_per_task)" ms "redis-server CPU per executed task"
    log "agent rep $rep: $(v tasks_per_s) tasks/s, $(v round_trips_per_task) round trips/task"
  done
  grep '^cmd_' "$dir/rep$reps.out" | tr '\n' ' ' | sed 's/^/agent Redis commands per task (last rep): /' >> "$BENCH_OUT/notes.txt"
  echo >> "$BENCH_OUT/notes.txt"
  sample_agent_rss "$AGENT_PID" "after the runs"
  if [ "${BENCH_PROFILE:-0}" = 1 ]; then
    profile_agent "$AGENT_PID" "$n" "$driver" run --port "$REDIS_PORT" --prefix bench-agent --plugin bench_polling \
      --timeout-s 120
  fi
  stop_pid "$AGENT_PID" 30 || true
  AGENT_PID=""
}

# section_agent_scaling REPS TASKS COUNTS: cost against workers. For each worker count, a fresh
# agent (own key prefix), the same warm-up, REPS repetitions of N tasks: tasks/s and agent CPU per
# task as agent_tasks_per_s_w<count> / agent_cpu_ms_per_task_w<count>.
section_agent_scaling() {
  local reps=$1 n=$2 counts=$3 workers rep
  local dir="$BENCH_OUT/agent-scaling" driver="$BIN_BENCH/agent_driver/bench_agent_driver"
  mkdir -p "$dir"
  write_bench_plugin "$dir" 60
  for workers in $counts; do
    local prefix="bench-w$workers" ini
    ini=$(write_site_config "$dir" "$prefix" "$dir/polling" 0 0)
    start_bench_agent "$ini" "$prefix" "$workers" "$dir/agent-w$workers.log"
    for rep in $(seq 1 "$reps"); do
      local cpu0 cpu1 out="$dir/w$workers-rep$rep.out"
      cpu0=$(agent_cpu_s "$AGENT_PID")
      "$driver" run --port "$REDIS_PORT" --prefix "$prefix" --plugin bench_polling --count "$n" --tag "r$rep" \
        --timeout-s 120 > "$out" || die "agent scaling: $workers workers, repetition $rep failed"
      cpu1=$(agent_cpu_s "$AGENT_PID")
      sample "agent_tasks_per_s_w$workers" "$(awk -F= '$1 == "tasks_per_s" { print $2 }' "$out")" tasks/s \
        "panoptes-agent, $workers worker(s), trivial polling plugin, N=$n queued"
      sample "agent_cpu_ms_per_task_w$workers" \
        "$(cpu_ms_per_task "$cpu0" "$cpu1" "$n")" ms \
        "agent CPU per task with $workers worker(s)"
    done
    log "agent scaling: $workers workers done"
    stop_pid "$AGENT_PID" 30 || true
    AGENT_PID=""
  done
}
