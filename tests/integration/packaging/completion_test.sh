#!/usr/bin/env bash
# The bash completion: subcommands after global options, a subcommand's options, kinds, and plugin
# names read from `panoptes-ctl check --json`.
set -euo pipefail
build=$1 src=$2
export PATH="$build/src/bin:$PATH"
fail() { echo "FAIL: $*" >&2; exit 1; }
# shellcheck source=/dev/null
source "$src/completion/panoptes"
config=$(mktemp /tmp/panoptes-completion.XXXXXX.ini)
trap 'rm -f "$config"' EXIT
printf '[main]\nsites = dc1\n[polling]\nplugins_paths = %s/examples/plugins/polling\n' "$src" >"$config"
complete_line() {  # words...: COMPREPLY for the last word
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _panoptes
  printf '%s\n' "${COMPREPLY[@]}"
}
complete_line panoptes-ctl --config "$config" st | grep -qx status || fail "subcommand after --config"
complete_line panoptes-ctl "" | grep -qx last-runs || fail "subcommands"
complete_line panoptes-ctl schedule --k | grep -qx -- --kind || fail "schedule's --kind"
complete_line panoptes-ctl schedule --j | grep -qx -- --json || fail "the global --json"
complete_line panoptes-ctl enqueue --kind p | grep -qx polling || fail "kinds"
complete_line panoptes-agent --w | grep -qx -- --workers || fail "panoptes-agent's --workers"
complete_line panoptes-ctl --config "$config" last-runs --plugin H | grep -qx "Host Metrics" ||
  fail "plugin names from check --json"
complete_line panoptes-ctl "" | grep -qx unquarantine || fail "unquarantine among the subcommands"
complete_line panoptes-ctl --config "$config" unquarantine H | grep -qx "Host Metrics" ||
  fail "unquarantine's plugin name"
echo ok
