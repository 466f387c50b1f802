# Section "snmp": SNMP interface polling of a simulated 48-port switch (snmpsimd serving the
# synthetic switch48 recording of tests/fixtures/snmp/) by panoptes-agent with 2 workers, and the
# same plugin called in a bare Python loop (bench/snmp/bare_loop.py, Debian's /usr/bin/python3 with
# the same framework modules, the same device). A repetition is N runs in chunks of 10: 10 runs
# through the agent, then 10 in a fresh bare loop (after 2 unmeasured runs), and so on, so that
# both see the same machine load (other work on the machine changes by the second):
#   snmp_runs_per_s                 N / sum of (first push -> last of the chunk's 10 x 50 groups)
#   snmp_timeouts                   runs that timed out against the simulator (a device starved by
#                                   the machine's load): their chunks are left out of every figure
#                                   and run again once (snmp_rep_chunks); most runs timing out ends
#                                   the section
#   snmp_cpu_ms_per_run             agent CPU (supervisor + workers, every thread) / N, less its idle
#                                   cost over that time (snmp_agent_idle_cpu_ms_per_s, measured
#                                   while the bare loop runs; snmp_cpu_ms_per_run_with_idle keeps it)
#   snmp_sim_cpu_ms_per_run         snmpsimd's CPU / N (the simulated device's cost: it bounds runs/s)
#   snmp_bare_python_ms_per_run     wall time of one run in the bare loop (one process)
#   snmp_bare_python_cpu_ms_per_run CPU of one run in the bare loop
#   snmp_redis_cpu_ms_per_run       redis-server's CPU / N (the agent's step script: 50 groups a run),
#                                   less its idle CPU over that time (measured as the agent's)
#   snmp_overhead_ms_per_run        snmp_cpu_ms_per_run + snmp_redis_cpu_ms_per_run
#                                   - snmp_bare_python_cpu_ms_per_run
#   snmp_overhead_fraction          that over snmp_bare_python_cpu_ms_per_run (target < 0.10)
#   snmp_agent_overhead_fraction    the same without Redis' CPU
#   snmp_bare_embedded_cpu_ms_per_run  the bare loop again, under bench_python_host: the python3
#                                   command linked to the shared libpython3.11.so that the agent
#                                   embeds (/usr/bin/python3 is a static build with other
#                                   optimizations), right after the first, the agent still idle
#   snmp_interpreter_fraction       that over snmp_bare_python_cpu_ms_per_run, minus 1: what the
#                                   interpreter's build costs, whoever runs it
#   snmp_overhead_fraction_same_interpreter, snmp_agent_overhead_fraction_same_interpreter: the two
#                                   overheads against the bare loop under the same libpython
# Sourced by bench/run. section_snmp REPS RUNS

SNMP_GROUPS_PER_RUN=50  # switch48: 48 ports, a LAG and a loopback, one metrics group each

# free_udp_port: a free loopback UDP port chosen by the kernel.
free_udp_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_snmpsim DIR PORT: snmpsimd serving switch48.snmprec (community switch48) as our child;
# sets SNMPSIM_PID and SNMPSIM_DIR. snmpsimd refuses to run as root: then it runs as nobody, so its
# data and cache live in a directory of their own that nobody can reach (DIR may be under a 0700
# mktemp directory); its log (written by this shell) goes to DIR/snmpsimd.log.
start_snmpsim() {
  local dir=$1 port=$2 as_user=()
  SNMPSIM_DIR=$(mktemp -d /tmp/panoptes-bench-snmpsim.XXXXXX)
  mkdir -p "$SNMPSIM_DIR/data" "$SNMPSIM_DIR/cache"
  cp "$ROOT/tests/fixtures/snmp/recordings/switch48.snmprec" "$SNMPSIM_DIR/data/"
  if [ "$(id -u)" = 0 ]; then
    chmod 0755 "$SNMPSIM_DIR" "$SNMPSIM_DIR/data" && chmod 0777 "$SNMPSIM_DIR/cache"
    as_user=(--process-user=nobody --process-group=nogroup)
  fi
  snmpsimd --data-dir="$SNMPSIM_DIR/data" --cache-dir="$SNMPSIM_DIR/cache" \
    --agent-udpv4-endpoint="127.0.0.1:$port" --logging-method=stderr "${as_user[@]}" > "$dir/snmpsimd.log" 2>&1 &
  SNMPSIM_PID=$!
  wait_for 30 "snmpsimd on udp 127.0.0.1:$port (see $dir/snmpsimd.log)" \
    snmpget -v2c -c switch48 -On -t 1 -r 0 "127.0.0.1:$port" .1.3.6.1.2.1.1.5.0
}

# stop_snmpsim: stops snmpsimd and removes its directory.
stop_snmpsim() {
  stop_pid "$SNMPSIM_PID" 5; SNMPSIM_PID=""
  [ -z "${SNMPSIM_DIR:-}" ] || rm -rf "$SNMPSIM_DIR"
  SNMPSIM_DIR=""
}

# snmp_site_section SIM_PORT: the [snmp] section naming the simulator as the site's device.
snmp_site_section() {
  printf '[snmp]\ncommunity = switch48\nport = %s\ntimeout = 5\nretries = 1\n' "$1"
}

# kv FILE NAME: the value of FILE's line NAME=value (nothing when absent).
kv() { awk -F= -v k="$2" '$1 == k { print substr($0, length(k) + 2); exit }' "$1"; }

# snmp_agent_run DIR TAG N: one driver run of N tasks; prints the driver's output file. Every task
# is awaited to its end, ok or not (--outcomes): a run whose SNMP requests timed out (a simulator
# starved by the machine's load) is counted there (runs_timed_out), not fatal; a run that failed
# otherwise is a bug and ends the section. The driver polls every 50 ms, not 5: a run takes
# ~0.3 s, and 5 ms polls would cost Redis ~2 ms of CPU per run.
snmp_agent_run() {
  local out="$1/$2.out" failed timed_out
  "$BIN_BENCH/agent_driver/bench_agent_driver" run --port "$REDIS_PORT" --prefix bench-snmp \
    --plugin bench_snmp_interface_polling --count "$3" --tag "$2" --groups-per-task "$SNMP_GROUPS_PER_RUN" --poll-ms 50 --time-limit-s 60 \
    --timeout-s $(( 60 + $3 * 2 )) --outcomes 1 > "$out" ||
    { tail -20 "$1/agent.log" >&2; die "snmp: agent run $2 failed; see $1/agent.log and $1/snmpsimd.log"; }
  failed=$(kv "$out" runs_failed) timed_out=$(kv "$out" runs_timed_out)
  [ "$failed" = "$timed_out" ] ||
    { grep '^failure=' "$out" >&2; die "snmp: agent run $2: $(( failed - timed_out )) run(s) failed, not by a timeout; see $out and $1/agent.log"; }
  echo "$out"
}

# tree_cpu_ns PID: CPU time of PID and its direct children, every thread, nanoseconds (schedstat's
# sum_exec_runtime: exact, where /proc/<pid>/stat counts 10 ms ticks).
tree_cpu_ns() {
  local files=(/proc/"$1"/task/*/schedstat) c
  for c in $(children_of "$1"); do files+=(/proc/"$c"/task/*/schedstat); done
  awk '{ t += $1 } END { printf "%.0f", t }' "${files[@]}" 2>/dev/null
}

# redis_cpu_ns: used_cpu_user + used_cpu_sys of our redis-server, nanoseconds.
redis_cpu_ns() {
  redis-cli -p "$REDIS_PORT" INFO cpu | tr -d '\r' |
    awk -F: '$1 == "used_cpu_user" || $1 == "used_cpu_sys" { t += $2 } END { printf "%.0f", t * 1e9 }'
}

# snmp_chunk DIR TAG RUNS PORT: RUNS runs through the agent, then RUNS runs of the bare loop, so
# that both see the same machine load. Sets CHUNK_TIMEOUTS, the runs that timed out (agent, else
# bare loop); with none, adds to the chunk totals CHUNK_{AGENT_NS,SIM_NS,AGENT_S,REDIS_NS,
# BARE_CPU_MS,BARE_WALL_MS} (the bare loop's per-run figures times RUNS) and, from the agent's and
# Redis' CPU while the bare loop runs (both idle then), CHUNK_{IDLE_NS,REDIS_IDLE_NS,IDLE_S}. A
# chunk with a timeout adds nothing: its time and CPU include the waits for a device that did not
# answer, which are not the cost of a run.
snmp_chunk() {
  local dir=$1 tag=$2 n=$3 port=$4 cpu0 cpu1 cpu2 sim0 sim1 r0 r1 r2 t1 t2 out bare
  cpu0=$(tree_cpu_ns "$AGENT_PID") sim0=$(tree_cpu_ns "$SNMPSIM_PID") r0=$(redis_cpu_ns)
  out=$(snmp_agent_run "$dir" "$tag" "$n")
  CHUNK_TIMEOUTS=$(kv "$out" runs_timed_out)
  [ "$CHUNK_TIMEOUTS" = 0 ] || return 0
  cpu1=$(tree_cpu_ns "$AGENT_PID") sim1=$(tree_cpu_ns "$SNMPSIM_PID") r1=$(redis_cpu_ns) t1=$(date +%s%N)
  bare="$dir/$tag.bare.out"
  /usr/bin/python3 "$BENCH_DIR/snmp/bare_loop.py" --port "$port" --community switch48 --runs "$n" --warmup 2 \
    > "$bare" || die "snmp: the bare Python loop failed ($tag)"
  # The same loop under the agent's own libpython (bench_python_host), the agent and Redis still idle.
  "$BIN_BENCH/python_host/bench_python_host" "$BENCH_DIR/snmp/bare_loop.py" --port "$port" --community switch48 \
    --runs "$n" --warmup 2 > "$bare.embedded" || die "snmp: the bare loop under bench_python_host failed ($tag)"
  cpu2=$(tree_cpu_ns "$AGENT_PID") r2=$(redis_cpu_ns) t2=$(date +%s%N)
  CHUNK_TIMEOUTS=$(( $(kv "$bare" timeouts) + $(kv "$bare.embedded" timeouts) ))
  [ "$CHUNK_TIMEOUTS" = 0 ] || return 0
  [ "$(kv "$bare" groups_per_run)" = "$SNMP_GROUPS_PER_RUN" ] ||
    die "snmp: the bare loop did not get $SNMP_GROUPS_PER_RUN groups per run (see $bare)"
  CHUNK_AGENT_NS=$(( CHUNK_AGENT_NS + cpu1 - cpu0 )) CHUNK_SIM_NS=$(( CHUNK_SIM_NS + sim1 - sim0 ))
  CHUNK_IDLE_NS=$(( CHUNK_IDLE_NS + cpu2 - cpu1 )) CHUNK_IDLE_S=$(awk -v t="$CHUNK_IDLE_S" -v a="$t1" -v b="$t2" 'BEGIN { printf "%.4f", t + (b - a) / 1e9 }')
  CHUNK_REDIS_NS=$(( CHUNK_REDIS_NS + r1 - r0 )) CHUNK_REDIS_IDLE_NS=$(( CHUNK_REDIS_IDLE_NS + r2 - r1 ))
  CHUNK_AGENT_S=$(awk -v t="$CHUNK_AGENT_S" -F= '$1 == "elapsed_s" { printf "%.4f", t + $2 }' "$out")
  CHUNK_BARE_CPU_MS=$(awk -v t="$CHUNK_BARE_CPU_MS" -v n="$n" -F= '$1 == "cpu_ms_per_run" { printf "%.3f", t + $2 * n }' "$bare")
  CHUNK_BARE_WALL_MS=$(awk -v t="$CHUNK_BARE_WALL_MS" -v n="$n" -F= '$1 == "wall_ms_per_run" { printf "%.3f", t + $2 * n }' "$bare")
  CHUNK_EMB_CPU_MS=$(awk -v t="$CHUNK_EMB_CPU_MS" -v n="$n" -F= '$1 == "cpu_ms_per_run" { printf "%.3f", t + $2 * n }' "$bare.embedded")
}

# snmp_rep_chunks DIR REP RUNS PORT: the chunks of one repetition, RUNS runs in all. A chunk with
# a timed-out run is left out of the figures and run again, at most once per chunk of the
# repetition (the repetition then takes at most twice as long); past that it is just left out.
# Sets REP_RUNS (the runs the figures cover) and REP_TIMEOUTS. Dies when most of the runs tried
# (retries included) timed out or no chunk was clean: the figures would then describe the
# machine's load, not ours.
snmp_rep_chunks() {
  local dir=$1 rep=$2 n=$3 port=$4 done_runs=0 tried=0 attempt=0 c
  local retries=$(( (n + SNMP_CHUNK - 1) / SNMP_CHUNK ))
  REP_RUNS=0 REP_TIMEOUTS=0
  while [ "$done_runs" -lt "$n" ]; do
    c=$(( n - done_runs < SNMP_CHUNK ? n - done_runs : SNMP_CHUNK ))
    snmp_chunk "$dir" "r$rep-$done_runs-$attempt" "$c" "$port"
    tried=$(( tried + c ))
    if [ "$CHUNK_TIMEOUTS" -gt 0 ]; then
      REP_TIMEOUTS=$(( REP_TIMEOUTS + CHUNK_TIMEOUTS ))
      log "snmp rep $rep: $CHUNK_TIMEOUTS run(s) timed out against the simulator; the chunk is left out$([ "$retries" -gt 0 ] && echo ' and run again')"
      attempt=$(( attempt + 1 ))
      if [ "$retries" -gt 0 ]; then retries=$(( retries - 1 )); continue; fi
    else
      REP_RUNS=$(( REP_RUNS + c ))
    fi
    done_runs=$(( done_runs + c ))
  done
  [ $(( REP_TIMEOUTS * 2 )) -le "$tried" ] ||
    die "snmp: $REP_TIMEOUTS of $tried runs timed out in repetition $rep: the simulated device is starved (load: $(cut -d' ' -f1-3 /proc/loadavg)); see $dir/agent.log"
  [ "$REP_RUNS" -gt 0 ] || die "snmp: no chunk of repetition $rep ran without a timeout"
}

# section_snmp REPS RUNS: each repetition is RUNS runs in chunks of SNMP_CHUNK.
SNMP_CHUNK=10
section_snmp() {
  local reps=$1 n=$2 rep dir="$BENCH_OUT/snmp"
  command -v snmpsimd >/dev/null || die "snmp: snmpsimd not found (Debian package snmpsim; scripts/setup installs it)"
  mkdir -p "$dir/polling"
  sed -e "s|@ROOT@|$ROOT|g" "$BENCH_DIR/plugins/polling/bench_snmp_interface_polling.panoptes-plugin.in" \
    > "$dir/polling/bench_snmp_interface_polling.panoptes-plugin"
  local port ini
  port=$(free_udp_port)
  start_snmpsim "$dir" "$port"
  # Our plugins/ on [python] path: the plugin file's module and the SNMP framework modules.
  ini=$(write_site_config "$dir" bench-snmp "$dir/polling" 0 0 "$ROOT/plugins" "$(snmp_site_section "$port")")
  "$BIN/panoptes-agent" --config "$ini" --kind polling --workers 2 --log-level warn 2> "$dir/agent.log" &
  AGENT_PID=$!
  snmp_agent_run "$dir" warm 4 >/dev/null  # the workers start Python and import the plugin
  for rep in $(seq 1 "$reps"); do
    CHUNK_AGENT_NS=0 CHUNK_SIM_NS=0 CHUNK_REDIS_NS=0 CHUNK_REDIS_IDLE_NS=0 CHUNK_AGENT_S=0 CHUNK_IDLE_NS=0 CHUNK_IDLE_S=0 CHUNK_BARE_CPU_MS=0 CHUNK_BARE_WALL_MS=0 CHUNK_EMB_CPU_MS=0
    snmp_rep_chunks "$dir" "$rep" "$n" "$port"
    sample snmp_timeouts "$REP_TIMEOUTS" runs \
      "SNMP runs that timed out against the simulator (their chunks are left out of the figures)"
    [ "$REP_TIMEOUTS" = 0 ] || note "snmp rep $rep: $REP_TIMEOUTS run(s) timed out against the simulator; the figures cover the $REP_RUNS runs of the clean chunks"
    local agent_ms bare_cpu emb_cpu redis_ms idle_ms_per_s raw_ms
    # The agent's idle cost (heartbeats, the supervisor's board reads, /metrics) is per second, not
    # per run: measured while the bare loop runs, reported apart, taken out of the per-run figure.
    idle_ms_per_s=$(awk -v t="$CHUNK_IDLE_NS" -v s="$CHUNK_IDLE_S" 'BEGIN { printf "%.3f", t / 1e6 / s }')
    raw_ms=$(awk -v t="$CHUNK_AGENT_NS" -v n="$REP_RUNS" 'BEGIN { printf "%.3f", t / 1e6 / n }')
    agent_ms=$(awk -v t="$CHUNK_AGENT_NS" -v i="$idle_ms_per_s" -v s="$CHUNK_AGENT_S" -v n="$REP_RUNS" \
      'BEGIN { printf "%.3f", (t / 1e6 - i * s) / n }')
    redis_ms=$(awk -v t="$CHUNK_REDIS_NS" -v i="$CHUNK_REDIS_IDLE_NS" -v is="$CHUNK_IDLE_S" -v s="$CHUNK_AGENT_S" \
      -v n="$REP_RUNS" 'BEGIN { printf "%.3f", (t - i / is * s) / 1e6 / n }')
    bare_cpu=$(awk -v t="$CHUNK_BARE_CPU_MS" -v n="$REP_RUNS" 'BEGIN { printf "%.3f", t / n }')
    emb_cpu=$(awk -v t="$CHUNK_EMB_CPU_MS" -v n="$REP_RUNS" 'BEGIN { printf "%.3f", t / n }')
    sample snmp_runs_per_s "$(awk -v t="$CHUNK_AGENT_S" -v n="$REP_RUNS" 'BEGIN { printf "%.2f", n / t }')" runs/s \
      "SNMP interface polling, simulated 48-port switch, 2 workers, $n runs in batches of $SNMP_CHUNK"
    sample snmp_cpu_ms_per_run "$agent_ms" ms "agent CPU per SNMP polling run (supervisor + workers), idle cost taken out"
    sample snmp_cpu_ms_per_run_with_idle "$raw_ms" ms "agent CPU per run including its idle cost over the run's time"
    sample snmp_agent_idle_cpu_ms_per_s "$idle_ms_per_s" ms/s "agent CPU per second while idle (2 workers)"
    sample snmp_sim_cpu_ms_per_run "$(awk -v t="$CHUNK_SIM_NS" -v n="$REP_RUNS" 'BEGIN { printf "%.1f", t / 1e6 / n }')" \
      ms "snmpsimd CPU per run (the simulated switch)"
    sample snmp_bare_python_ms_per_run "$(awk -v t="$CHUNK_BARE_WALL_MS" -v n="$REP_RUNS" 'BEGIN { printf "%.1f", t / n }')" \
      ms "the same plugin in a bare /usr/bin/python3 loop, wall per run"
    sample snmp_bare_python_cpu_ms_per_run "$bare_cpu" ms "the same plugin in a bare /usr/bin/python3 loop, CPU per run"
    sample snmp_redis_cpu_ms_per_run "$redis_ms" ms "redis-server CPU per run (the step script, 50 metrics groups)"
    sample snmp_overhead_ms_per_run "$(awk -v a="$agent_ms" -v r="$redis_ms" -v b="$bare_cpu" 'BEGIN { printf "%.3f", a + r - b }')" \
      ms "agent + Redis CPU per run minus the bare loop's"
    sample snmp_overhead_fraction "$(awk -v a="$agent_ms" -v r="$redis_ms" -v b="$bare_cpu" 'BEGIN { printf "%.4f", (a + r - b) / b }')" \
      x "our CPU overhead per run (agent + Redis) over the plugin's own CPU (target < 0.10)"
    sample snmp_agent_overhead_fraction "$(awk -v a="$agent_ms" -v b="$bare_cpu" 'BEGIN { printf "%.4f", (a - b) / b }')" \
      x "the agent's part of it (without Redis)"
    sample snmp_bare_embedded_cpu_ms_per_run "$emb_cpu" ms \
      "the bare loop under the agent's libpython3.11.so (bench_python_host), CPU per run"
    sample snmp_interpreter_fraction "$(awk -v e="$emb_cpu" -v b="$bare_cpu" 'BEGIN { printf "%.4f", (e - b) / b }')" \
      x "what the shared libpython costs over /usr/bin/python3 for the same loop (the interpreter's build)"
    sample snmp_overhead_fraction_same_interpreter \
      "$(awk -v a="$agent_ms" -v r="$redis_ms" -v e="$emb_cpu" 'BEGIN { printf "%.4f", (a + r - e) / e }')" \
      x "agent + Redis CPU over the bare loop's under the same libpython (what the agent adds)"
    sample snmp_agent_overhead_fraction_same_interpreter \
      "$(awk -v a="$agent_ms" -v e="$emb_cpu" 'BEGIN { printf "%.4f", (a - e) / e }')" \
      x "the agent's part of it (without Redis)"
    log "snmp rep $rep: agent ${agent_ms} ms CPU/run, bare ${bare_cpu} ms CPU/run"
  done
  [ "${BENCH_PROFILE:-0}" = 1 ] && profile_snmp "$dir" "$port" "$n"
  stop_pid "$AGENT_PID" 30; AGENT_PID=""
  stop_snmpsim
}

# profile_snmp DIR PORT RUNS (bench/run --profile): one agent run and one bare loop under
# `perf record -e cpu-clock`; CPU samples by object for both, side by side in profile.txt.
profile_snmp() {
  local dir=$1/profile port=$2 n=$(( $3 < 20 ? 20 : $3 )) pids perf_pid  # enough samples
  mkdir -p "$dir"
  command -v perf >/dev/null || { note "snmp profile skipped: perf not installed"; return 0; }
  pids=$(echo "$AGENT_PID" $(children_of "$AGENT_PID") | tr ' ' ',')
  perf record -e cpu-clock -F 999 -g -p "$pids" -o "$dir/agent.data" 2> "$dir/perf-agent.log" &
  perf_pid=$!
  sleep 0.5  # perf attaches asynchronously; there is no event to await
  snmp_agent_run "$1" prof "$n" >/dev/null
  kill -TERM "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  perf record -e cpu-clock -F 999 -g -o "$dir/bare.data" -- /usr/bin/python3 "$BENCH_DIR/snmp/bare_loop.py" \
    --port "$port" --community switch48 --runs "$n" --warmup 0 > "$dir/bare.out" 2> "$dir/perf-bare.log" ||
    die "snmp profile: the bare loop failed under perf"
  local which
  for which in agent bare; do
    perf report -i "$dir/$which.data" --no-children --sort dso --stdio -g none 2>/dev/null |
      awk '!/^#/ && /%/ && n++ < 15' > "$dir/$which.by_dso.txt"
    perf report -i "$dir/$which.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
      awk '!/^#/ && /%/ && n++ < 60' > "$dir/$which.by_symbol.txt"
  done
  {
    echo "snmp profile, $n runs: agent (supervisor + workers) CPU samples by object:"
    sed 's/^/    /' "$dir/agent.by_dso.txt"
    echo "  the bare Python loop, same runs:"
    sed 's/^/    /' "$dir/bare.by_dso.txt"
    echo "  (by symbol: $dir/agent.by_symbol.txt, $dir/bare.by_symbol.txt)"
  } >> "$BENCH_OUT/profile.txt"
  log "snmp profile written to $dir"
}
