# Section "consumer": panoptes-consumer between the bench redis-server and a private influxd (Debian's
# InfluxDB 1.6), with the original consumer's design as the reference. Sourced by bench/run.
# Per repetition:
# - throughput: N interface groups (10 metrics, 5 tags) put on the stream first, then the consumer
#   started; points/s = N / time until all N are acknowledged (which happens only after the database
#   accepted them); consumer CPU per point (utime+stime of its process over that time);
# - latency: probe groups XADDed at 200/s for a few seconds (what the agent's finish step does) and
#   InfluxDB polled every 10 ms: XADD -> queryable p50/p99 (default batch_size and flush_interval_ms);
# - the reference (bench/consumer/reference_consumer.py): one message at a time, batches of 200, the
#   same N; points/s = N / time until InfluxDB holds N points.

CONSUMER_DRIVER="$BENCH_DIR/consumer/driver.py"

# start_influxd DIR: a private influxd on free loopback ports; sets INFLUX_PID and INFLUX_HTTP.
start_influxd() {
  local dir=$1 rpc
  mkdir -p "$dir"
  INFLUX_HTTP=$(free_port) rpc=$(free_port)
  cat > "$dir/influxdb.conf" <<EOF_CONF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$INFLUX_HTTP"
  log-enabled = false
EOF_CONF
  influxd -config "$dir/influxdb.conf" 2> "$dir/influxd.log" &
  INFLUX_PID=$!
  influx_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$INFLUX_HTTP/ping")" = 204 ]; }
  wait_for 30 "influxd on port $INFLUX_HTTP (see $dir/influxd.log)" influx_up
}

# influx_reset DB: drops and creates DB (a fresh database per repetition).
influx_reset() {
  curl -fsS -XPOST "http://127.0.0.1:$INFLUX_HTTP/query" --data-urlencode "q=DROP DATABASE $1" >/dev/null
  curl -fsS -XPOST "http://127.0.0.1:$INFLUX_HTTP/query" --data-urlencode "q=CREATE DATABASE $1" >/dev/null
}

# consumer_config DIR PREFIX DB HTTP_PORT: writes the site config; prints its path.
consumer_config() {
  cat > "$1/panoptes.ini" <<EOF_INI
[main]
sites = bench
[redis]
port = $REDIS_PORT
key_prefix = $2
[consumer]
influxdb_url = http://127.0.0.1:$INFLUX_HTTP
influxdb_database = $3
listen = 127.0.0.1:$4
EOF_INI
  echo "$1/panoptes.ini"
}

# section_consumer REPS N
section_consumer() {
  local reps=$1 n=$2 rep dir="$BENCH_OUT/consumer"
  mkdir -p "$dir"
  start_influxd "$dir/influxdb"
  local v; v() { awk -F= -v k="$1" '$1 == k { print $2 }' "$2"; }
  for rep in $(seq 1 "$reps"); do
    local prefix="bench-consumer-$rep" db="bench$rep" ini pid c0 c1 i0 i1 secs
    influx_reset "$db"
    ini=$(consumer_config "$dir" "$prefix" "$db" "$(free_port)")
    "$CONSUMER_DRIVER" fill --port "$REDIS_PORT" --prefix "$prefix" --count "$n" || die "consumer: fill failed"
    "$BIN/panoptes-consumer" --config "$ini" --log-level warn 2> "$dir/consumer$rep.log" &
    pid=$!
    CONSUMER_PID=$pid
    c0=$(tree_cpu_s "$pid") i0=$(tree_cpu_s "$INFLUX_PID")
    "$CONSUMER_DRIVER" drain --port "$REDIS_PORT" --prefix "$prefix" --count "$n" --timeout 300 > "$dir/drain$rep.out" ||
      { tail -5 "$dir/consumer$rep.log" >&2; die "consumer: $n entries not acknowledged"; }
    c1=$(tree_cpu_s "$pid") i1=$(tree_cpu_s "$INFLUX_PID")
    secs=$(v seconds "$dir/drain$rep.out")
    "$CONSUMER_DRIVER" count --influx-port "$INFLUX_HTTP" --db "$db" > "$dir/count$rep.out"
    [ "$(v points "$dir/count$rep.out")" = "$n" ] || die "consumer: influxdb holds $(v points "$dir/count$rep.out") points, expected $n"
    sample consumer_points_per_s "$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')" points/s \
      "consumer: points/s into influxdb 1.6 on this machine ($n interface groups, 10 fields, 5 tags)"
    sample consumer_cpu_us_per_point "$(awk -v n="$n" -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')" \
      us "consumer: CPU of panoptes-consumer per point"
    sample influxdb_cpu_us_per_point "$(awk -v n="$n" -v a="$i0" -v b="$i1" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')" \
      us "consumer: CPU of influxd per point meanwhile (the database's share)"
    "$CONSUMER_DRIVER" latency --port "$REDIS_PORT" --prefix "$prefix" --influx-port "$INFLUX_HTTP" --db "$db" \
      --seconds "${CONSUMER_LATENCY_S:-5}" --rate 200 > "$dir/latency$rep.out" || die "consumer: latency probes failed"
    sample consumer_latency_p50_ms "$(v p50_ms "$dir/latency$rep.out")" ms \
      "consumer: XADD -> queryable in influxdb, p50 (flush_interval_ms 1000)"
    sample consumer_latency_p99_ms "$(v p99_ms "$dir/latency$rep.out")" ms "consumer: XADD -> queryable, p99"
    stop_pid "$pid" 15; CONSUMER_PID=""
    log "consumer rep $rep: $n points in ${secs}s, latency p50 $(v p50_ms "$dir/latency$rep.out") ms"
    [ "${MODE:-full}" = smoke ] || section_consumer_reference "$dir" "$rep" "$n"
  done
  [ "${MODE:-full}" != smoke ] || note "consumer: the reference (the original's design) skipped (--smoke)"
  stop_pid "$INFLUX_PID" 10; INFLUX_PID=""
}

# section_consumer_reference DIR REP N: the original's design on the same input.
section_consumer_reference() {
  local dir=$1 rep=$2 n=$3 prefix="bench-reference-$2" db="ref$2" pid c0 c1 secs
  influx_reset "$db"
  "$CONSUMER_DRIVER" fill --port "$REDIS_PORT" --prefix "$prefix" --count "$n" || die "consumer: fill failed"
  "$BENCH_DIR/consumer/reference_consumer.py" --port "$REDIS_PORT" --prefix "$prefix" --influx-port "$INFLUX_HTTP" \
    --db "$db" 2> "$dir/reference$rep.log" &
  pid=$!
  CONSUMER_PID=$pid
  c0=$(tree_cpu_s "$pid")
  "$CONSUMER_DRIVER" await-points --influx-port "$INFLUX_HTTP" --db "$db" --count "$n" --timeout 600 \
    > "$dir/reference$rep.out" || { tail -5 "$dir/reference$rep.log" >&2; die "consumer: the reference did not write $n points"; }
  c1=$(tree_cpu_s "$pid")
  secs=$(awk -F= '$1 == "seconds" { print $2 }' "$dir/reference$rep.out")
  sample reference_consumer_points_per_s "$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')" points/s \
    "reference (the original's design: Python, one message at a time, batches of 200): points/s"
  sample reference_consumer_cpu_us_per_point "$(awk -v n="$n" -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')" \
    us "reference: CPU per point"
  stop_pid "$pid" 5; CONSUMER_PID=""
  redis-cli -p "$REDIS_PORT" DEL "$prefix:metrics:bench" "bench-consumer-$rep:metrics:bench" >/dev/null
}
