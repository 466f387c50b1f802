# Section "fleet": many slow polls in flight on one host. The plugin bench_sleep waits 250 ms (a
# device's latency) and does almost no CPU work, so a worker does at most 4 tasks/s and the runs in
# flight are the workers: what counts is tasks/s against workers x 4, the memory of the workers,
# and CPU per task. Celery prefork at the same concurrency does the same guarded work with the same
# wait (bench/celery_fleet). Sourced by bench/run; uses bench/lib/agent.sh's helpers.

# redis_info SECTION FIELD: one numeric field of the bench redis-server's INFO.
redis_info() { redis-cli -p "$REDIS_PORT" INFO "$1" | awk -F: -v f="$2" '$1 == f { print $2 + 0 }'; }

# redis_cpu_s: used_cpu_user + used_cpu_sys of the bench redis-server, seconds.
redis_cpu_s() { redis-cli -p "$REDIS_PORT" INFO cpu | awk -F: '/^used_cpu_(user|sys):/ { t += $2 } END { printf "%.3f", t }'; }

# sample_rate NAME VALUE IDEAL UNIT DESCRIPTION: a throughput sample that must be possible: above 0
# and at most 2 % over IDEAL (workers x 4; a worker cannot run two of its 250 ms polls at once). An
# impossible figure is a measurement bug: the bench stops instead of recording it.
sample_rate() {
  local name=$1 value=$2 ideal=$3
  [ -n "$value" ] || die "figure $name has no value"
  awk -v v="$value" -v i="$ideal" 'BEGIN { exit !(v > 0 && v <= i * 1.02) }' ||
    die "impossible figure: $name=$value with an ideal of $ideal tasks/s (a measurement bug; see $BENCH_OUT/fleet)"
  sample "$1" "$2" "${@:4}"
}

# fleet_agent_pss W: idle memory of the running agent (AGENT_PID) with W workers.
fleet_agent_pss() {
  local w=$1 total sup
  total=$(tree_pss_mb "$AGENT_PID") sup=$(awk '/^Pss:/ { printf "%.1f", $2 / 1024 }' "/proc/$AGENT_PID/smaps_rollup")
  sample "fleet_pss_mb_$w" "$total" MiB "fleet: agent PSS, supervisor + $w idle workers (target <= 1024 at 256)"
  sample "fleet_worker_pss_mb_$w" "$(awk -v t="$total" -v s="$sup" -v w="$w" 'BEGIN { printf "%.2f", (t - s) / w }')" \
    MiB "fleet: PSS per idle worker with $w workers"
  local zygote; zygote=$(agent_zygote "$AGENT_PID")
  if [ -n "$zygote" ]; then
    sample "fleet_zygote_pss_mb_$w" "$(awk '/^Pss:/ { printf "%.1f", $2 / 1024 }' "/proc/$zygote/smaps_rollup")" MiB \
      "fleet: the zygote's PSS with $w workers (in the per-worker figures, which count all but the supervisor)"
  fi
  if [ "$w" = 256 ]; then
    sample worker_idle_pss_mb "$(awk -v t="$total" -v s="$sup" 'BEGIN { printf "%.2f", (t - s) / 256 }')" MiB \
      "agent worker PSS, idle, each, with 256 workers (target <= 3)"
  fi
}

# fleet_agent_run DIR W REPS SECONDS: REPS backlog runs of W x 4 x SECONDS tasks, each followed by a
# paced run at 80 % of the ideal rate for the due -> start latency.
fleet_agent_run() {
  local dir=$1 w=$2 reps=$3 seconds=$4 rep prefix="bench-fleet-w$2"
  local ideal=$(( w * 4 )) n=$(( w * 4 * seconds ))
  for rep in $(seq 1 "$reps"); do
    local cpu0 cpu1 out="$dir/w$w-rep$rep.out" paced="$dir/w$w-paced$rep.out"
    cpu0=$(agent_cpu_s "$AGENT_PID")
    "$BIN_BENCH/agent_driver/bench_agent_driver" run --port "$REDIS_PORT" --prefix "$prefix" --plugin bench_sleep \
      --count "$n" --tag "r$rep" --timeout-s $(( seconds * 10 + 60 )) > "$out" ||
      { tail -20 "$dir/agent-w$w.log" >&2; die "fleet: $w workers, repetition $rep failed"; }
    cpu1=$(agent_cpu_s "$AGENT_PID")
    local v; v() { awk -F= -v k="$1" '$1 == k { print $2 }' "$out"; }
    sample_rate "fleet_tasks_per_s_$w" "$(v steady_tasks_per_s)" "$ideal" tasks/s \
      "fleet: $w workers, 250 ms plugin, N=$n queued: steady rate, 10 %-rank start -> 90 %-rank end (ideal $ideal)"
    sample "fleet_efficiency_$w" "$(awk -v t="$(v steady_tasks_per_s)" -v i="$ideal" 'BEGIN { printf "%.4f", t / i }')" "" \
      "fleet: tasks/s / (workers x 4) with $w workers (target >= 0.95)"
    sample_rate "fleet_run_tasks_per_s_$w" "$(v tasks_per_s)" "$ideal" tasks/s "fleet: $w workers, N / (first push -> last group)"
    [ "$(v workers_seen)" = "$w" ] || die "fleet: $w workers, repetition $rep: only $(v workers_seen) workers ran tasks"
    sample "fleet_run_ms_$w" "$(v run_ms_mean)" ms "fleet: a run of the 250 ms plugin, mean (Python's sleep overshoot included), $w workers"
    sample "fleet_gap_ms_$w" "$(v gap_ms_mean)" ms \
      "fleet: a worker's gap between two runs under backlog, mean, $w workers (the efficiency lost: gap / (run + gap))"
    sample "fleet_gap_p99_ms_$w" "$(v gap_ms_p99)" ms "fleet: that gap, p99, $w workers"
    sample "fleet_gap_finish_ms_$w" "$(v finish_ms_mean)" ms \
      "fleet: of the gap, plugin end -> its group in Redis (conversion, the finish step's way), $w workers"
    sample "fleet_gap_next_ms_$w" "$(v next_ms_mean)" ms \
      "fleet: of the gap, group in Redis -> next plugin start (the step reply, the next task's guard), $w workers"
    sample "fleet_cpu_ms_per_task_$w" "$(cpu_ms_per_task "$cpu0" "$cpu1" "$n")" ms \
      "fleet: agent CPU per task (supervisor, zygote, courier and workers; schedstat), $w workers"
    sample "fleet_redis_cpu_ms_per_task_$w" "$(v redis_cpu_ms_per_task)" ms "fleet: redis-server CPU per task, $w workers"
    sample "fleet_round_trips_per_task_$w" "$(v round_trips_per_task)" "" "fleet: Redis round trips per task, $w workers"
    "$BIN_BENCH/fleet_driver/bench_fleet_driver" paced --port "$REDIS_PORT" --prefix "$prefix" --plugin bench_sleep \
      --rate $(( ideal * 8 / 10 )) --seconds "$seconds" --tag "p$rep" --timeout-s $(( seconds * 10 + 60 )) > "$paced" ||
      die "fleet: $w workers, paced run $rep failed"
    local p; p() { awk -F= -v k="$1" '$1 == k { print $2 }' "$paced"; }
    sample "fleet_start_p50_ms_$w" "$(p p50_ms)" ms "fleet: due -> plugin start p50, $w workers at 80 % of workers x 4"
    sample "fleet_start_p99_ms_$w" "$(p p99_ms)" ms "fleet: due -> plugin start p99, $w workers at 80 % of workers x 4"
    log "fleet $w workers rep $rep: $(v tasks_per_s) tasks/s (ideal $ideal), start p99 $(p p99_ms) ms"
  done
}

# fleet_agent DIR W REPS SECONDS: one agent with W workers: idle memory, then the runs.
fleet_agent() {
  local dir=$1 w=$2 reps=$3 seconds=$4 prefix="bench-fleet-w$2" ini
  local need=$(( w * 10 + 1024 ))  # MiB: an idle worker is ~8 MiB PSS (17 RSS, partly shared)
  if [ "$(mem_available_mb)" -lt "$need" ]; then
    note "fleet: $w workers skipped: $(mem_available_mb) MiB available, $need MiB wanted"
    return 0
  fi
  ini=$(write_site_config "$dir" "$prefix" "$dir/polling" 0 0)
  "$BIN/panoptes-agent" --config "$ini" --kind polling --workers "$w" --log-level warn 2> "$dir/agent-w$w.log" &
  AGENT_PID=$!
  # Every worker started and waiting (an idle worker blocks in BLMOVE), then a warm-up (not
  # recorded) of 3 tasks per worker: Redis serves blocked clients in order, so each runs the plugin.
  fleet_all_waiting() { [ "$(redis_info clients blocked_clients)" -ge "$w" ]; }
  wait_for 600 "$w agent workers waiting for tasks (see $dir/agent-w$w.log)" fleet_all_waiting
  "$BIN_BENCH/agent_driver/bench_agent_driver" run --port "$REDIS_PORT" --prefix "$prefix" --plugin bench_sleep \
    --count $(( w * 3 )) --tag warm --timeout-s 600 > "$dir/w$w-warmup.out" ||
    { tail -20 "$dir/agent-w$w.log" >&2; die "fleet: warm-up with $w workers failed"; }
  local rc0 rc1 t0 t1
  rc0=$(redis_cpu_s) t0=$(date +%s%N)
  sleep 2  # idle: measuring memory and Redis' idle cost at rest, not a synchronisation
  rc1=$(redis_cpu_s) t1=$(date +%s%N)
  sample "fleet_redis_idle_cpu_pct_$w" "$(awk -v a="$rc0" -v b="$rc1" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%.2f", (b - a) * 100 / ((t1 - t0) / 1e9) }')" % "fleet: redis-server CPU with $w idle workers connected"
  fleet_agent_pss "$w"
  sample "fleet_redis_clients_$w" "$(redis_info clients connected_clients)" "" \
    "fleet: Redis connected clients with $w workers (one each plus the supervisor's)"
  fleet_agent_run "$dir" "$w" "$reps" "$seconds"
  stop_pid "$AGENT_PID" 60 || true
  AGENT_PID=""
}

# fleet_replace DIR REPS: kill the one idle worker of an agent, time until its replacement starts a
# task. The kills are 5 s apart: a worker that dies within 5 s of its start is restarted with backoff.
fleet_replace() {
  local dir=$1 reps=$2 rep prefix=bench-fleet-replace ini
  ini=$(write_site_config "$dir" "$prefix" "$dir/polling" 0 0)
  "$BIN/panoptes-agent" --config "$ini" --kind polling --workers 1 --log-level warn 2> "$dir/agent-replace.log" &
  AGENT_PID=$!
  "$BIN_BENCH/agent_driver/bench_agent_driver" run --port "$REDIS_PORT" --prefix "$prefix" --plugin bench_sleep \
    --count 2 --tag warm --timeout-s 60 > "$dir/replace-warmup.out" || die "fleet: replace warm-up failed"
  for rep in $(seq 1 "$reps"); do
    sleep 5.2  # past the quick-death window of the worker started by the previous repetition
    local worker; worker=$(agent_workers "$AGENT_PID" | head -1)
    [ -n "$worker" ] || die "fleet: the replace agent has no worker"
    "$BIN_BENCH/fleet_driver/bench_fleet_driver" replace --port "$REDIS_PORT" --prefix "$prefix" --plugin bench_sleep \
      --pid "$worker" --tag "k$rep" > "$dir/replace$rep.out" || die "fleet: replace repetition $rep failed"
    local ms; ms=$(awk -F= '$1 == "replace_ms" { print $2 }' "$dir/replace$rep.out")
    sample worker_replace_ms "$ms" ms "worker SIGKILLed -> its replacement starts a task (target <= 20)"
    log "fleet replace rep $rep: $ms ms"
  done
  stop_pid "$AGENT_PID" 30 || true
  AGENT_PID=""
}

CELERY_PID=""
# fleet_celery_stop: warm shutdown of the Celery worker, then SIGKILL of any pool child left.
fleet_celery_stop() {
  [ -n "$CELERY_PID" ] || return 0
  local kids c; kids=$(children_of "$CELERY_PID")
  stop_pid "$CELERY_PID" 60
  for c in $kids; do kill -0 "$c" 2>/dev/null && kill -KILL "$c" 2>/dev/null; done
  CELERY_PID=""
}

# fleet_celery DIR W REPS SECONDS: Celery prefork with W children, the same runs as the agent's.
fleet_celery() {
  local dir=$1 w=$2 reps=$3 seconds=$4 rep py=/usr/bin/python3
  local need=$(( w * 25 + 1024 ))  # MiB: a Celery pool child is ~20 MiB PSS once it has run tasks
  if [ "$(mem_available_mb)" -lt "$need" ]; then
    note "fleet: Celery with $w children skipped: $(mem_available_mb) MiB available, $need MiB wanted"
    return 0
  fi
  [ -f "$CELERY_DIR/celery_app.py" ] || die "fleet: $CELERY_DIR/celery_app.py not found (set BENCH_CELERY_DIR)"
  export BENCH_REDIS_PORT=$REDIS_PORT PYTHONPATH="$BENCH_DIR/celery_fleet:$CELERY_DIR" PYTHONDONTWRITEBYTECODE=1
  redis-cli -p "$REDIS_PORT" -n 1 DEL bench:worker_ready > /dev/null
  redis-cli -p "$REDIS_PORT" -n 0 DEL celery unacked unacked_index > /dev/null
  BENCH_KOMBU_HUB_FIX=1 "$py" -m celery -A fleet_app worker --pool=prefork --concurrency="$w" --loglevel=WARNING \
    --logfile="$dir/celery-w$w.log" -n "fleet@%h" > "$dir/celery-w$w.out" 2>&1 &
  CELERY_PID=$!
  local ready; ready=$("$py" "$BENCH_DIR/celery_fleet/fleet_celery.py" wait-ready --timeout 300) ||
    { fleet_celery_stop; die "fleet: the Celery worker did not start; see $dir/celery-w$w.log"; }
  [ "$ready" = "$CELERY_PID" ] || die "fleet: Celery ready pid $ready is not the worker we started ($CELERY_PID)"
  local ideal=$(( w * 4 )) n=$(( w * 4 * seconds ))
  "$py" "$BENCH_DIR/celery_fleet/fleet_celery.py" backlog --n $(( w * 3 )) > /dev/null || die "fleet: Celery warm-up failed"
  sleep 1  # idle: measuring memory at rest
  sample "celery_fleet_pss_mb_$w" "$(tree_pss_mb "$CELERY_PID")" MiB "fleet: Celery PSS, parent + $w idle children"
  for rep in $(seq 1 "$reps"); do
    local cpu0 cpu1 out="$dir/celery-w$w-rep$rep.out" paced="$dir/celery-w$w-paced$rep.out"
    cpu0=$(tree_cpu_s "$CELERY_PID")
    "$py" "$BENCH_DIR/celery_fleet/fleet_celery.py" backlog --n "$n" --timeout $(( seconds * 20 + 60 )) > "$out" ||
      die "fleet: Celery $w, repetition $rep failed"
    cpu1=$(tree_cpu_s "$CELERY_PID")
    local t; t=$(awk -F= '$1 == "steady_tasks_per_s" { print $2 }' "$out")
    sample_rate "celery_fleet_tasks_per_s_$w" "$t" "$ideal" tasks/s \
      "fleet: Celery prefork x$w, the same 250 ms work, N=$n: steady rate, as ours (ideal $ideal)"
    sample_rate "celery_fleet_run_tasks_per_s_$w" "$(awk -F= '$1 == "tasks_per_s" { print $2 }' "$out")" "$ideal" tasks/s \
      "fleet: Celery prefork x$w, N / (first enqueue -> last done)"
    sample "celery_fleet_cpu_ms_per_task_$w" "$(cpu_ms_per_task "$cpu0" "$cpu1" "$n")" ms \
      "fleet: Celery worker CPU per task (parent + children), $w children"
    "$py" "$BENCH_DIR/celery_fleet/fleet_celery.py" paced --rate $(( ideal * 8 / 10 )) --seconds "$seconds" \
      --timeout $(( seconds * 20 + 60 )) > "$paced" || die "fleet: Celery $w, paced run $rep failed"
    sample "celery_fleet_start_p99_ms_$w" "$(awk -F= '$1 == "p99_ms" { print $2 }' "$paced")" ms \
      "fleet: Celery apply_async due -> task start p99 at 80 % of $w x 4"
    log "fleet Celery $w rep $rep: $t tasks/s (ideal $ideal)"
  done
  fleet_celery_stop
}

# section_fleet REPS SECONDS "WORKERS..." "CELERY_CHILDREN..."
section_fleet() {
  local reps=$1 seconds=$2 counts=$3 celery_counts=$4 w
  local dir="$BENCH_OUT/fleet"
  mkdir -p "$dir"
  write_bench_plugin "$dir" 60 bench_sleep
  for w in $counts; do fleet_agent "$dir" "$w" "$reps" "$seconds"; done
  [ "${BENCH_FLEET_REPLACE:-1}" = 0 ] || fleet_replace "$dir" "$reps"
  for w in $celery_counts; do fleet_celery "$dir" "$w" "$reps" "$seconds"; done
}
