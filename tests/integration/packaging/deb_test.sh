#!/usr/bin/env bash
# Builds the .deb with cpack, extracts it into a scratch root and checks what an operator gets:
# the files at FHS paths, Depends naming Debian packages, the config a conffile, a postinst that
# creates the panoptes user and starts nothing, and units that `systemd-analyze verify` accepts.
set -euo pipefail
build=$1 src=$2
work=$(mktemp -d /tmp/panoptes-deb-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/out/panoptes_*.deb) || fail "no .deb in $work/out"
root=$work/root
dpkg-deb -x "$deb" "$root"
dpkg-deb -e "$deb" "$work/control"

for f in usr/bin/panoptes-scheduler usr/bin/panoptes-agent usr/bin/panoptes-ctl usr/bin/panoptes-consumer \
         etc/panoptes/panoptes.ini usr/share/panoptes/plugins/host_metrics.py \
         usr/share/panoptes/examples/plugins/polling/host_metrics.panoptes-plugin \
         usr/share/panoptes/prometheus/panoptes-alerts.yml usr/share/bash-completion/completions/panoptes-ctl \
         usr/lib/systemd/system/panoptes-scheduler.service usr/lib/systemd/system/panoptes-agent.service \
         usr/lib/systemd/system/panoptes-consumer.service usr/share/doc/panoptes/operations.md; do
  [ -e "$root/$f" ] || fail "/$f is not in the package"
done
for kind in discovery enrichment polling; do
  [ -d "$root/etc/panoptes/plugins/$kind" ] || fail "/etc/panoptes/plugins/$kind is not in the package"
done
[ -x "$root/usr/bin/panoptes-ctl" ] || fail "panoptes-ctl is not executable"
"$root/usr/bin/panoptes-ctl" --version | grep -q panoptes || fail "the packaged panoptes-ctl does not run"

depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for p in libhiredis libpython3.11 python3 adduser libc6; do
  grep -q "$p" <<<"$depends" || fail "Depends lacks $p: $depends"
done
grep -qx /etc/panoptes/panoptes.ini "$work/control/conffiles" || fail "panoptes.ini is not a conffile"
sh -n "$work/control/postinst" || fail "postinst is not valid sh"
grep -q "adduser --system" "$work/control/postinst" || fail "postinst does not create the panoptes user"
if grep -Eq "systemctl (start|enable|restart)|deb-systemd-invoke" "$work/control/postinst"; then
  fail "postinst starts or enables units"
fi

# The example plugin file finds its module at the installed relative path.
"$root/usr/bin/panoptes-ctl" check --kind polling "$root/usr/share/panoptes/examples/plugins/polling" \
  | grep "^OK polling Host Metrics" >/dev/null || fail "the installed example plugin does not check"

# systemd-analyze verify checks the unit's syntax and that its commands exist: a copy of each unit
# with ExecStart pointing into the scratch root (the host has no /usr/bin/panoptes-*).
mkdir "$work/units"
for unit in "$root"/usr/lib/systemd/system/panoptes-*.service; do
  grep -q "^User=panoptes" "$unit" || fail "$unit does not run as panoptes"
  grep -q "^ExecReload=/bin/kill -HUP \$MAINPID" "$unit" || fail "$unit: ExecReload does not send SIGHUP"
  copy=$work/units/$(basename "$unit")
  sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$unit" >"$copy"
  systemd-analyze verify "$copy" >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "systemd-analyze verify $unit"; }
  if grep -q . "$work/verify.log"; then
    cat "$work/verify.log"; fail "systemd-analyze verify warned about $unit"
  fi
done
echo "ok: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
