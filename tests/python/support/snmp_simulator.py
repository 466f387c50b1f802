# A real snmpsimd for the Python tests (as tests/support/snmp_sim.h for the C++ ones): serves a
# directory of .snmprec recordings on a free 127.0.0.1 UDP port; each <name>.snmprec answers
# community <name> and SNMPv3 context <name> for the USM user V3_USER (SHA/AES, authPriv), and
# <subdirectory>/<name>.snmprec the community "<subdirectory>/<name>".
import os
import shutil
import socket
import subprocess
import tempfile
import time

from panoptes_testing import source_dir

V3_USER = 'panoptes'
V3_AUTH_KEY = 'panoptes-auth'
V3_PRIV_KEY = 'panoptes-priv'


def recordings_dir():
    return os.path.join(source_dir(), 'tests', 'fixtures', 'snmp', 'recordings')


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _get_packet(community):
    # BER of an SNMPv2c GetRequest for sysDescr.0 (short-form lengths: community under 100 bytes).
    varbinds = bytes.fromhex('300e300c06082b060102010101000500')
    pdu = bytes.fromhex('a019020101020100020100') + varbinds
    body = bytes.fromhex('02010104') + bytes([len(community)]) + community.encode() + pdu
    return b'\x30' + bytes([len(body)]) + body


def answers_get(port, community, timeout=0.2):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(_get_packet(community), ('127.0.0.1', port))
        try:
            return s.recv(1500)[:1] == b'\x30'
        except socket.timeout:
            return False


class SnmpSim(object):
    """start(data_dir) -> port; stop(). Also a context manager (start on enter)."""

    def __init__(self, data_dir=None):
        self.data_dir = data_dir or recordings_dir()
        self.port = None
        self._process = None
        self._dir = None

    def start(self, timeout=20.0):
        self._dir = tempfile.mkdtemp(prefix='panoptes-snmpsim-')
        data, cache = os.path.join(self._dir, 'data'), os.path.join(self._dir, 'cache')
        os.makedirs(cache)
        shutil.copytree(self.data_dir, data)
        # A recording in a subdirectory answers the community "<subdirectory>/<name>".
        names, dirs = [], [self._dir, data, cache]
        for root, subdirs, files in os.walk(data):
            dirs.extend(os.path.join(root, d) for d in subdirs)
            names.extend(os.path.relpath(os.path.join(root, f), data)[:-len('.snmprec')]
                         for f in files if f.endswith('.snmprec'))
        names.sort()
        if not names:
            raise RuntimeError('no .snmprec file in {}'.format(self.data_dir))
        for d in dirs:  # snmpsimd runs as nobody when started as root
            os.chmod(d, 0o777)
        self.port = free_udp_port()
        args = ['/usr/bin/snmpsimd', '--data-dir=' + data, '--cache-dir=' + cache,
                '--agent-udpv4-endpoint=127.0.0.1:{}'.format(self.port), '--logging-method=stderr',
                '--v3-user=' + V3_USER, '--v3-auth-key=' + V3_AUTH_KEY, '--v3-auth-proto=SHA',
                '--v3-priv-key=' + V3_PRIV_KEY, '--v3-priv-proto=AES']
        if os.geteuid() == 0:
            args += ['--process-user=nobody', '--process-group=nogroup']
        self.log_path = os.path.join(self._dir, 'snmpsimd.log')
        with open(self.log_path, 'w') as log:
            env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}  # snmpsimd is a Python program
            self._process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if answers_get(self.port, names[0]):
                return self.port
        with open(self.log_path) as log:
            tail = log.read()[-2000:]
        self.stop()
        raise RuntimeError('snmpsimd did not answer on 127.0.0.1:{}; its log ends:\n{}'.format(self.port, tail))

    def stop(self):
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def read_recording(name):
    """{oid (with leading period): (type tag, value text)} of recordings/<name>.snmprec."""
    out = {}
    with open(os.path.join(recordings_dir(), name + '.snmprec')) as f:
        for line in f:
            oid, tag, value = line.rstrip('\n').split('|', 2)
            out['.' + oid] = (tag, value)
    return out


class Snmpd(object):
    """A real snmpd (net-snmp) on a free 127.0.0.1 UDP port with community `public` and the SNMPv3
    user V3_USER (SHA/AES, authPriv): start() -> port; stop(). Its answers are this machine's."""

    def __init__(self):
        self.port = None
        self._process = None
        self._dir = None

    def start(self, timeout=10.0):
        self._dir = tempfile.mkdtemp(prefix='panoptes-snmpd-')
        conf = os.path.join(self._dir, 'snmpd.conf')
        with open(conf, 'w') as f:
            f.write('createUser {} SHA {} AES {}\nrouser {}\nrocommunity public 127.0.0.1\n'.format(
                V3_USER, V3_AUTH_KEY, V3_PRIV_KEY, V3_USER))
        self.port = free_udp_port()
        args = ['/usr/sbin/snmpd', '-f', '-Lo', '-C', '-c', conf, '-p', os.path.join(self._dir, 'pid'),
                '-M', '/nonexistent', '--persistentDir=' + self._dir, 'udp:127.0.0.1:{}'.format(self.port)]
        self.log_path = os.path.join(self._dir, 'snmpd.log')
        with open(self.log_path, 'w') as log:
            self._process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._process.poll() is None:
            if answers_get(self.port, 'public'):
                return self.port
        with open(self.log_path) as log:
            tail = log.read()[-2000:]
        self.stop()
        raise RuntimeError('snmpd did not answer on 127.0.0.1:{}; its log ends:\n{}'.format(self.port, tail))

    stop = SnmpSim.stop
    __enter__ = SnmpSim.__enter__
    __exit__ = SnmpSim.__exit__
