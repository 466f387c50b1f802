# redis-server, panoptes-scheduler and panoptes-agent as child processes of a Python test, on free
# loopback ports, with their logs in a temporary tree (the C++ tests have the same in
# tests/support/redis_server.h and tests/integration/snmp/daemons_fixture.h). Only the processes
# started here are stopped here.
import socket
import subprocess
import time

import redis

from panoptes_testing import program


def free_tcp_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, details=lambda: ''):
    """Polls `predicate` every 50 ms until it returns a true value (returned) or `timeout` seconds
    pass (AssertionError naming `what`, followed by details())."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timed out after {} s waiting until {}{}'.format(timeout, what, details()))
        time.sleep(0.05)


class Daemons(object):
    """start_redis() -> a redis.Redis client; start(name, program, args); logs(); stop()."""

    def __init__(self, tree):
        self.tree = tree
        self.redis_port = None
        self._children = []  # (name, Popen, log path)

    def start_redis(self):
        self.redis_port = free_tcp_port()
        self._spawn('redis', ['/usr/bin/redis-server', '--port', str(self.redis_port), '--bind', '127.0.0.1',
                              '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', self.tree.path()])
        client = redis.Redis(host='127.0.0.1', port=self.redis_port, decode_responses=True)

        def answers():
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                return False
        wait_until(answers, 10, 'redis-server answers PING', self.logs)
        return client

    def start(self, name, config, *args):
        """A panoptes program (panoptes-scheduler, panoptes-agent) on `config`, debug log."""
        self._spawn(name, [program(name), '--config', config, '--log-level', 'debug'] + list(args))

    def _spawn(self, name, argv):
        log = self.tree.path('{}.log'.format(name))
        with open(log, 'w') as f:
            process = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT)
        self._children.append((name, process, log))

    def logs(self):
        text = ''
        for name, process, log in self._children:
            with open(log, errors='replace') as f:
                text += '\n--- {} (pid {}, {}):\n{}'.format(
                    name, process.pid, 'running' if process.poll() is None else 'exit {}'.format(process.returncode),
                    f.read()[-6000:])
        return text

    def stop(self):
        for _, process, _ in reversed(self._children):
            if process.poll() is None:
                process.terminate()
        for _, process, _ in reversed(self._children):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._children = []
