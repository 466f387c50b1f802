#!/usr/bin/env bash
# `cmake --install` into a staging root: FHS paths, and a second install keeps an edited config.
set -euo pipefail
build=$1
root=$(mktemp -d /tmp/panoptes-install-test.XXXXXX)
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
for f in usr/bin/panoptes-ctl etc/panoptes/panoptes.ini usr/lib/systemd/system/panoptes-agent.service \
         usr/share/panoptes/panoptes.ini; do
  [ -e "$root/$f" ] || fail "/$f was not installed"
done
echo "; edited by the operator" >>"$root/etc/panoptes/panoptes.ini"
DESTDIR=$root cmake --install "$build" --prefix /usr >/dev/null
grep -q "edited by the operator" "$root/etc/panoptes/panoptes.ini" || fail "the edited config was overwritten"
echo ok
