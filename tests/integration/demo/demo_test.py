#!/usr/bin/python3
"""scripts/demo, run as a new user runs it, polls this machine's interfaces over SNMP.

Starts `scripts/demo --build-dir BUILD` (its own redis-server, snmpd with the demo's config,
influxd, the scheduler, agent and consumer on free loopback ports), reads its config from the path
it prints, and checks within bounded waits:
  - SNMP interface groups of the demo's snmpd resource reach the metrics stream (read through a
    consumer group of our own, so the consumer's trimming cannot hide them): every interface_name
    is one of this machine's interfaces (/proc/net/dev), `lo` among them, and lo's bits_in is 8 x its
    received bytes at the time of the poll (between the values read before and after);
  - the same counter is queryable in the demo's InfluxDB;
  - SIGTERM stops the demo and everything it started (snmpd, influxd, redis-server).
Usage: demo_test.py BUILD_DIR SOURCE_DIR
"""
import configparser
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

SNMP_DEVICE = 'panoptes-demo-snmpd'  # the demo's snmpd sysName: the SNMP resource's id
GROUP = 'demo-test'


class Failure(Exception):
    pass


def wait_for(what, timeout_s, probe, pause_s=0.2):
    """probe() until it returns something true; Failure naming `what` after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure('timed out after %d s waiting for %s' % (timeout_s, what))
        time.sleep(pause_s)


def lo_bytes():
    """(received, sent) bytes of lo from /proc/net/dev."""
    with open('/proc/net/dev') as f:
        for line in f:
            name, _, rest = line.partition(':')
            if name.strip() == 'lo':
                fields = rest.split()
                return int(fields[0]), int(fields[8])
    raise Failure('no lo in /proc/net/dev')


def interfaces():
    with open('/proc/net/dev') as f:
        return {line.split(':')[0].strip() for line in f if ':' in line}


def redis(port, *args):
    done = subprocess.run(['redis-cli', '-p', str(port), '--raw'] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=30)
    return done.stdout


class Demo(object):
    def __init__(self, build, source):
        self.log = tempfile.NamedTemporaryFile(prefix='panoptes-demo-test.', suffix='.log', delete=False)
        # A session of its own: if the demo fails to stop, its whole group is ours to end.
        self.process = subprocess.Popen([os.path.join(source, 'scripts', 'demo'), '--duration', '600',
                                         '--build-dir', build], stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        env=dict(os.environ, TERM='dumb'))

    def output(self):
        with open(self.log.name, errors='replace') as f:
            return f.read()

    def config_path(self):
        if self.process.poll() is not None:
            raise Failure('scripts/demo exited with status %d before starting' % self.process.returncode)
        match = re.search(r'config (/\S+/panoptes\.ini) ==', self.output())
        return match.group(1) if match else None

    def stop(self, timeout_s=60):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise Failure('scripts/demo did not stop within %d s of SIGTERM' % timeout_s)


def snmp_interface_groups(port):
    """The SNMP interface groups of the demo's snmpd resource read through our consumer group."""
    found = []
    out = redis(port, 'XREADGROUP', 'GROUP', GROUP, 'test', 'COUNT', '1000', 'BLOCK', '2000',
                'STREAMS', 'panoptes:metrics:local', '>')
    for line in out.splitlines():
        if not line.startswith('{'):
            continue
        group = json.loads(line)
        resource = group.get('resource', {})
        if group.get('metrics_group_type') == 'interface' and resource.get('resource_id') == SNMP_DEVICE:
            found.append(group)
    return found


def check_stream(redis_port, rx_before):
    groups = []

    def poll():
        groups.extend(snmp_interface_groups(redis_port))
        return groups

    wait_for('SNMP interface groups of %s on panoptes:metrics:local' % SNMP_DEVICE, 240, poll, pause_s=0)
    rx_after = lo_bytes()[0]
    names = {d['dimension_name']: d['dimension_value'] for d in groups[0]['dimensions']}
    ours = interfaces()
    seen = set()
    lo = None
    for group in groups:
        name = {d['dimension_name']: d['dimension_value'] for d in group['dimensions']}['interface_name']
        seen.add(name)
        if name == 'lo':
            lo = {m['metric_name']: m['metric_value'] for m in group['metrics']}
    if not seen <= ours:
        raise Failure('interface names %s are not all this machine\'s (%s)' % (sorted(seen), sorted(ours)))
    if lo is None:
        raise Failure('no group for lo among %s (first group dimensions %s)' % (sorted(seen), names))
    if not rx_before * 8 <= lo['bits_in'] <= rx_after * 8:
        raise Failure('lo bits_in %d is not 8 x its received bytes (%d..%d)' % (lo['bits_in'], rx_before, rx_after))
    return lo['bits_in']


def check_influxdb(url, rx_before):
    query = ("SELECT last(bits_in__counter) FROM interface WHERE resource_class = 'network' "
             "AND resource_endpoint = '127.0.0.1' AND interface_name = 'lo'")

    def last_value():
        params = urllib.parse.urlencode({'db': 'panoptes', 'q': query})
        try:
            with urllib.request.urlopen('%s/query?%s' % (url, params), timeout=5) as response:
                body = json.load(response)
        except OSError:
            return None
        series = body.get('results', [{}])[0].get('series')
        return series[0]['values'][0][1] if series else None

    value = wait_for('lo bits_in__counter of the SNMP resource in InfluxDB (%s)' % url, 120, last_value, 0.5)
    if not rx_before * 8 <= value <= lo_bytes()[0] * 8:
        raise Failure('InfluxDB has lo bits_in %d, not 8 x its received bytes' % value)


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def main():
    build, source = sys.argv[1], sys.argv[2]
    rx_before = lo_bytes()[0]
    demo = Demo(build, source)
    try:
        config_path = wait_for('scripts/demo to print its config path', 180, demo.config_path)
        config = configparser.ConfigParser(inline_comment_prefixes=(';',))
        config.read(config_path)
        work = os.path.dirname(config_path)
        redis_port = config['redis']['port']
        wait_for('the demo\'s redis-server on port %s' % redis_port, 30,
                 lambda: redis(redis_port, 'PING').strip() == 'PONG')
        redis(redis_port, 'XGROUP', 'CREATE', 'panoptes:metrics:local', GROUP, '0', 'MKSTREAM')
        bits = check_stream(redis_port, rx_before)
        check_influxdb(config['consumer']['influxdb_url'], rx_before)
        snmpd_pid = int(open(os.path.join(work, 'snmpd', 'snmpd.pid')).read().split()[0])
        status = demo.stop()
        if status != 0:
            raise Failure('scripts/demo exited with status %d after SIGTERM' % status)
        wait_for('snmpd (pid %d) to stop with the demo' % snmpd_pid, 10, lambda: gone(snmpd_pid))
        if redis(redis_port, 'PING').strip() == 'PONG':
            raise Failure('the demo\'s redis-server still answers after the demo stopped')
        print('demo_test: ok (lo bits_in %d on the stream and in InfluxDB; the demo stopped cleanly)' % bits)
    except Failure as e:
        print('demo_test: FAIL: %s' % e)
        print('--- scripts/demo output (last 60 lines, %s)' % demo.log.name)
        print('\n'.join(demo.output().splitlines()[-60:])[-6000:])
        demo.stop()
        sys.exit(1)
    finally:
        if demo.process.poll() is None:
            demo.stop()
    os.unlink(demo.log.name)


if __name__ == '__main__':
    main()
