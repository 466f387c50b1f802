# Section "python_call": the python host's call micro-benchmark (bench/python_call, written with
# the python host): PluginHost::Run of the bench plugin + serialization, per call, after warm-up.
# Sourced by bench/run. section_python_call REPS CALLS
section_python_call() {
  local reps=$1 calls=$2 tool="$BIN_BENCH/python_call/bench_python_call" out="$BENCH_OUT/python_call.out"
  [ -x "$tool" ] || die "python_call: $tool was not built"
  "$tool" --runs "$reps" --calls "$calls" --warmup $(( calls / 10 + 100 )) > "$out" 2>&1 ||
    { tail -5 "$out" >&2; die "python_call: bench_python_call failed; see $out"; }
  local us
  for us in $(awk '/^python_call run=/ { for (i = 1; i <= NF; i++) if ($i ~ /^per_call_us=/) { sub(/.*=/, "", $i); print $i } }' "$out"); do
    sample python_call_us "$us" us "embedded Python call of the bench plugin + serialization (target < 20)"
  done
  grep -q '^python_call run=' "$out" || die "python_call: no per-run lines in $out"
}
