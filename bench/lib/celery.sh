# Section "celery": ../shared/bench/celery (Celery + Redis doing the same guarded work), called
# as is with knobs per mode, its own redis-server on a free port. Sourced by bench/run.
# section_celery full|quick
section_celery() {
  local mode=$1 script="$CELERY_DIR/run.sh" out="$BENCH_OUT/celery"
  [ -x "$script" ] || [ -f "$script" ] || die "celery: $script not found (set BENCH_CELERY_DIR)"
  local knobs=()
  if [ "$mode" = quick ]; then
    knobs=(REPS=3 N_SHIPPED=200 BOX_SHIPPED=5 N_FIX=2000 N_PRELOAD=0 N_MTPC=0 N_LATENCY=0 TOTAL_BUDGET=150)
  else
    knobs=(REPS=3 N_SHIPPED=1000 BOX_SHIPPED=20 N_FIX=20000 N_PRELOAD=0 N_MTPC=400 N_LATENCY=500 TOTAL_BUDGET=420)
  fi
  log "celery: $script (${knobs[*]}), log in $out.log"
  env "${knobs[@]}" BENCH_REDIS_PORT="$(free_port)" BENCH_OUT="$out" bash "$script" > "$out.log" 2>&1 ||
    die "celery: run.sh failed; see $out.log"
  "$BENCH_DIR/lib/celery_parse.py" "$out/results.jsonl" >> "$BENCH_OUT/samples.tsv" ||
    die "celery: no usable results in $out/results.jsonl"
}
