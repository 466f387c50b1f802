# Shared helpers for bench/run and its sections (sourced, not executed).
# Every helper stops only processes it started, by pid. Requires: BENCH_OUT (output dir) set.

bench_t0=${bench_t0:-$(date +%s)}

log() { echo "[bench $(( $(date +%s) - bench_t0 ))s] $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

# A free loopback TCP port chosen by the kernel.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# sample NAME VALUE UNIT DESCRIPTION: one repetition's value of one figure.
sample() {
  [ -n "$2" ] || die "figure $1 has no value"
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$BENCH_OUT/samples.tsv"
}

# note TEXT: a line shown under the table (skipped sections, caveats).
note() { echo "$*" >> "$BENCH_OUT/notes.txt"; log "note: $*"; }

# VmRSS of a pid in MiB (one decimal), or nothing when the process is gone.
rss_mb() {
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null
}

# Direct children of a pid, one per line.
children_of() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$' || true; }

# tree_cpu_s PID: CPU time of PID and its direct children, every thread, seconds, from schedstat
# (sum_exec_runtime, in ns; one awk for them all: an agent may have a thousand workers).
# /proc/<pid>/stat counts 10 ms ticks per process: with 256 workers doing a dozen 250 ms tasks
# each in a repetition, each worker's share is under one tick.
tree_cpu_s() {
  local files=(/proc/"$1"/task/*/schedstat) c
  for c in $(children_of "$1"); do files+=(/proc/"$c"/task/*/schedstat); done
  awk '{ t += $1 } END { printf "%.6f", t / 1e9 }' "${files[@]}" 2>/dev/null
}

# tree_pss_mb PID: PSS (smaps_rollup: shared pages split fairly) of PID and its direct children, MiB.
tree_pss_mb() {
  local files=("/proc/$1/smaps_rollup") c
  for c in $(children_of "$1"); do files+=("/proc/$c/smaps_rollup"); done
  awk '/^Pss:/ { s += $2 } END { printf "%.1f", s / 1024 }' "${files[@]}" 2>/dev/null
}

# mem_available_mb: MemAvailable of the machine, MiB.
mem_available_mb() { awk '/^MemAvailable:/ { printf "%d", $2 / 1024 }' /proc/meminfo; }

# wait_for DEADLINE_S DESCRIPTION COMMAND...: polls COMMAND every 50 ms until it succeeds.
wait_for() {
  local limit=$1 what=$2; shift 2
  local end=$(( $(date +%s%N) / 1000000 + limit * 1000 ))
  until "$@" >/dev/null 2>&1; do
    [ $(( $(date +%s%N) / 1000000 )) -lt $end ] || die "timed out after ${limit}s waiting for $what"
    sleep 0.05
  done
}

# start_redis DIR PORT: a private redis-server (no persistence) in the foreground as our child;
# sets REDIS_PID. The caller stops it with stop_pid. BENCH_REDIS_NICE: its niceness (nice's exec
# keeps the pid).
start_redis() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  if redis-cli -p "$port" PING >/dev/null 2>&1; then die "port $port is taken by another redis"; fi
  ${BENCH_REDIS_NICE:+nice -n "$BENCH_REDIS_NICE"} redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$dir" --logfile "$dir/redis.log" --io-threads 1 &
  REDIS_PID=$!
  wait_for 10 "redis-server on port $port" redis-cli -p "$port" PING
  [ "$(redis-cli -p "$port" INFO server | awk -F: '/^process_id:/ { print $2 }' | tr -d '\r')" = "$REDIS_PID" ] ||
    die "the redis on port $port is not the one we started"
}

# write_site_config DIR PREFIX POLLING_DIR AGENT_HTTP_PORT SCHED_HTTP_PORT [PYTHON_PATH [EXTRA]]: the
# site config of a bench agent (2 workers, no task limit) on the private redis-server, written to
# DIR/panoptes.ini; prints its path. PYTHON_PATH: [python] path (default: the bench plugins);
# EXTRA: more sections appended as they are (e.g. [snmp]).
write_site_config() {
  local dir=$1 prefix=$2 polling=$3 agent_http=$4 sched_http=$5 python=${6:-$BENCH_DIR/plugins} extra=${7:-}
  cat > "$dir/panoptes.ini" <<INI
[main]
sites = local
plugins_skew = 1

[redis]
host = 127.0.0.1
port = $REDIS_PORT
key_prefix = $prefix

[polling]
plugins_paths = $polling

[agent]
workers = 2
max_tasks_per_worker = 100000000
metrics_maxlen = 10000000

[python]
path = $python

[http]
agent_listen = 127.0.0.1:$agent_http
scheduler_listen = 127.0.0.1:$sched_http
INI
  [ -z "$extra" ] || printf '\n%s\n' "$extra" >> "$dir/panoptes.ini"
  echo "$dir/panoptes.ini"
}

# stop_pid PID [GRACE_S]: SIGTERM, then SIGKILL after the grace period; reaps it when our child.
stop_pid() {
  local pid=$1 grace=${2:-10} i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 $(( grace * 20 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && { log "pid $pid ignored SIGTERM for ${grace}s: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
  wait "$pid" 2>/dev/null || true
}

# The executables defined by bench/<dir>/CMakeLists.txt, for `cmake --build --target`.
bench_targets() {
  sed -n 's/^[[:space:]]*add_executable(\([A-Za-z0-9_-]*\).*/\1/p' "$1"/*/CMakeLists.txt 2>/dev/null | sort -u
}
