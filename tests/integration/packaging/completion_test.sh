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
# offers WORD words...: the completion of words... offers WORD. The completion is read whole before
# it is searched: `complete_line ... | grep -q` under pipefail fails at random, when grep exits at
# its first match and the rest of printf's output meets a closed pipe (SIGPIPE).
offers() {
  local want=$1 got
  shift
  got=$(complete_line "$@")
  grep -qxF -- "$want" <<<"$got"
}
offers status panoptes-ctl --config "$config" st || fail "subcommand after --config"
offers last-runs panoptes-ctl "" || fail "subcommands"
offers --kind panoptes-ctl schedule --k || fail "schedule's --kind"
offers --json panoptes-ctl schedule --j || fail "the global --json"
offers polling panoptes-ctl enqueue --kind p || fail "kinds"
offers --workers panoptes-agent --w || fail "panoptes-agent's --workers"
offers "Host Metrics" panoptes-ctl --config "$config" last-runs --plugin H ||
  fail "plugin names from check --json"
offers unquarantine panoptes-ctl "" || fail "unquarantine among the subcommands"
offers "Host Metrics" panoptes-ctl --config "$config" unquarantine H ||
  fail "unquarantine's plugin name"
echo ok
