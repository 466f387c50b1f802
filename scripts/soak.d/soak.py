#!/usr/bin/python3
"""The soak (scripts/soak): Panoptes under random faults, measured from outside.

Two schedulers and two polling agents on a Redis master with a replica and a Sentinel (all on
loopback ports, in a fresh temp dir), a third agent for the discovery of DEVICES devices, and a
probe plugin (soak_probe.py) polling each device every FREQUENCY s and logging each run's start and
end to a file outside Redis. After the warm-up, a random fault every 4-8 s (faults.py). A monitor
thread records, outside the daemons, when each worker process dies, which scheduler leads, and
every run Redis records crashed or timed out. Then analyze.py reads the logs and judges. See
docs/reliability.md.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import analyze  # noqa: E402
import cluster  # noqa: E402
import faults  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv):
    p = argparse.ArgumentParser(prog='scripts/soak', description=__doc__.split('\n\n')[0])
    p.add_argument('--duration', type=float, default=600, help='seconds of faults (default 600)')
    p.add_argument('--short', action='store_true', help='60 s of faults (the test run)')
    p.add_argument('--seed', type=int, default=None, help='random seed (default: from the clock; printed)')
    p.add_argument('--faults', default=','.join(faults.KINDS),
                   help='comma list of fault kinds (default all: %(default)s)')
    p.add_argument('--interval', default='4-8', help='seconds between faults, MIN-MAX (default 4-8)')
    p.add_argument('--stop', default='12-15',
                   help='seconds an agent stays SIGSTOPped, MIN-MAX (default 12-15; the heartbeat TTL is 10)')
    p.add_argument('--devices', type=int, default=24)
    p.add_argument('--frequency', type=int, default=4, help='polling frequency in s (default 4)')
    p.add_argument('--workers', type=int, default=3, help='polling workers per agent (default 3)')
    p.add_argument('--ballast', type=int, default=150000,
                   help='keys in Redis outside the prefix, so that loading the AOF takes a while (default 150000: about 0.7 s)')
    p.add_argument('--min-replicas', type=int, default=0,
                   help="Redis' min-replicas-to-write on the master (default 0: the old master of a failover "
                        "takes writes until Sentinel reconfigures it; docs/reliability.md)")
    p.add_argument('--settle', type=float, default=20, help='seconds after the last fault (default 20)')
    p.add_argument('--strict-cycles', action='store_true',
                   help='a cycle lost to a Redis restart or failover alone is a violation too')
    p.add_argument('--build-dir', default=os.path.join(ROOT, 'build'))
    p.add_argument('--dir', default=None, help='run directory (default: a fresh /tmp/panoptes-soak.*)')
    p.add_argument('--keep', action='store_true', help='keep the run directory even when all is well')
    a = p.parse_args(argv)
    if a.short:
        a.duration = 60
    a.faults = [k for k in a.faults.split(',') if k]
    unknown = [k for k in a.faults if k not in faults.KINDS]
    if unknown:
        p.error('unknown fault kind(s) {}; known: {}'.format(','.join(unknown), ','.join(faults.KINDS)))
    a.interval = _range(p, '--interval', a.interval)
    a.stop = _range(p, '--stop', a.stop)
    if a.seed is None:
        a.seed = int(time.time() * 1000) % 1000000
    return a


def _range(p, name, text):
    try:
        lo, hi = (float(x) for x in text.split('-'))
    except ValueError:
        p.error('{} {}: expected MIN-MAX in seconds'.format(name, text))
    if not 0 < lo <= hi:
        p.error('{} {}: expected 0 < MIN <= MAX'.format(name, text))
    return lo, hi


class Events:
    """events.log: '<monotonic> <wall> <kind> <detail>' lines, from every thread of the harness."""

    def __init__(self, path):
        self._f = open(path, 'a', buffering=1)
        self._lock = threading.Lock()

    def __call__(self, kind, detail=''):
        with self._lock:
            self._f.write('{:.6f} {:.6f} {} {}\n'.format(time.monotonic(), time.time(), kind, detail))


def say(text):
    sys.stderr.write('[soak {}] {}\n'.format(time.strftime('%H:%M:%S'), text))
    sys.stderr.flush()


def wait_all_polled(probe_log, devices, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        seen = set()
        if os.path.exists(probe_log):
            with open(probe_log) as f:
                seen = {line.split()[1] for line in f if line.startswith('end ')}
        if len(seen) >= devices:
            return True
        time.sleep(0.5)
    return False


def run(a, c, event):
    say('redis {} / {}, sentinel {}; {} devices every {} s; seed {}; run dir {}'.format(
        c.redis[0].port, c.redis[1].port, c.sentinel_port, a.devices, a.frequency, a.seed, c.dir))
    if not wait_all_polled(c.probe_log, a.devices, 120):
        say('not every device was polled within 120 s of the start; see the logs in ' + c.dir)
        return 2
    warmup = 2 * a.frequency + 2
    say('every device polled; {} s of warm-up, then {:.0f} s of faults ({})'.format(
        warmup, a.duration, ','.join(a.faults)))
    time.sleep(warmup)
    t_start = time.monotonic()
    event('faults_start')
    injector = faults.Injector(c, event, random.Random(a.seed), a.faults, a.stop, say)
    end = t_start + a.duration
    rng = random.Random(a.seed + 1)
    while True:
        pause = rng.uniform(*a.interval)
        if time.monotonic() + pause >= end:
            break
        time.sleep(pause)
        injector.one()
    injector.finish()
    t_end = time.monotonic()
    event('faults_end')
    say('faults over ({}); {:.0f} s to settle'.format(injector.summary(), a.settle))
    time.sleep(a.settle)
    event('settled')
    c.stop_monitor()
    with open(os.path.join(c.dir, 'run.json'), 'w') as f:
        json.dump({'frequency': a.frequency, 'skew': 1, 'devices': a.devices, 'seed': a.seed,
                   't_start': t_start, 't_end': t_end, 'settle': a.settle, 'faults': a.faults,
                   'strict_cycles': a.strict_cycles, 'heartbeat_ttl_s': cluster.HEARTBEAT_TTL_S,
                   'ballast': a.ballast, 'stop': a.stop, 'interval': a.interval,
                   'min_replicas': a.min_replicas}, f)
    return analyze.main([c.dir])


def main(argv):
    a = parse_args(argv)
    run_dir = a.dir or tempfile.mkdtemp(prefix='panoptes-soak.', dir='/tmp')
    os.makedirs(run_dir, exist_ok=True)
    os.chmod(run_dir, 0o755)  # plugin directories must not be writable by others
    event = Events(os.path.join(run_dir, 'events.log'))
    c = cluster.Cluster(a, run_dir, event, say)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt('signal {}'.format(signum))

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    status = 1
    try:
        c.start()
        status = run(a, c, event)
    except KeyboardInterrupt as e:
        say('interrupted ({}): stopping everything'.format(e))
        status = 130
    except (cluster.SetupError, subprocess.SubprocessError, OSError) as e:
        say('setup failed: {}; logs in {}'.format(e, run_dir))
        status = 2
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        c.cleanup()
    if status == 0 and not a.keep and not a.dir:
        subprocess.call(['rm', '-rf', run_dir])
    else:
        say('run directory kept: ' + run_dir)
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
