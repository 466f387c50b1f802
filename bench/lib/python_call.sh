# Section "python_call": the python host's call micro-benchmark (bench/python_call, written with
# the python host), per call, after warm-up:
#   python_call_us         PluginHost::Run of the bench plugin on one resource + serialization
#   python_run_metrics_us  PluginHost::Run alone (context, run(), conversion to the model) as an agent
#                          worker calls it: another resource, task id and signature every call
# Sourced by bench/run. section_python_call REPS CALLS
section_python_call() {
  local reps=$1 calls=$2 tool="$BIN_BENCH/python_call/bench_python_call" out="$BENCH_OUT/python_call.out"
  [ -x "$tool" ] || die "python_call: $tool was not built"
  "$tool" --runs "$reps" --calls "$calls" --warmup $(( calls / 10 + 100 )) > "$out" 2>&1 ||
    { tail -5 "$out" >&2; die "python_call: bench_python_call failed; see $out"; }
  local us
  for us in $(per_call_us python_call "$out"); do
    sample python_call_us "$us" us "embedded Python call of the bench plugin + serialization (target < 20)"
  done
  for us in $(per_call_us python_run_metrics "$out"); do
    sample python_run_metrics_us "$us" us "PluginHost::Run of the bench plugin incl. conversion, a new resource each call"
  done
  grep -q '^python_call run=' "$out" || die "python_call: no per-run lines in $out"
  grep -q '^python_run_metrics run=' "$out" || die "python_call: no python_run_metrics lines in $out"
}

# per_call_us NAME FILE: the per_call_us values of the "NAME run=..." lines of FILE, one a line.
per_call_us() {
  awk -v name="$1" '$1 == name && $2 ~ /^run=/ { for (i = 3; i <= NF; i++) if ($i ~ /^per_call_us=/) { sub(/.*=/, "", $i); print $i } }' "$2"
}
