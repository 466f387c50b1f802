"""The soak's processes (scripts/soak): Redis master and replica with AOF, one Sentinel, two
schedulers, two polling agents, one discovery agent; the monitor thread; and the clean-up, which
stops every process the soak started (by pid and by process group), and nothing else."""
import ctypes
import json
import os
import queue
import select
import signal
import socket
import subprocess
import threading
import time

import redis

HEARTBEAT_TTL_S = 10
PREFIX = 'soak'
MASTER = 'mymaster'


class SetupError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if predicate():
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.05)
    raise SetupError('timed out after {} s waiting for {}'.format(timeout, what))


def process_dead(pid):
    """True when `pid` is gone or a zombie (its plugin no longer runs)."""
    try:
        with open('/proc/{}/stat'.format(pid)) as f:
            return f.read().rsplit(')', 1)[1].split()[0] in ('Z', 'X')
    except (OSError, IndexError):
        return True


def _is_zygote(pid):
    try:
        with open('/proc/{}/comm'.format(pid)) as f:
            return f.read().strip() == 'panoptes-zygote'
    except OSError:
        return False


def children(pid):
    """The workers of an agent: its children but its zygote (which forks them)."""
    out = []
    try:
        for task in os.listdir('/proc/{}/task'.format(pid)):
            with open('/proc/{}/task/{}/children'.format(pid, task)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return [c for c in out if not _is_zygote(c)]


class DeathWatch:
    """Times the death of each worker to the millisecond (a pidfd per process, polled), so that a
    run killed mid-way ends when its process did; falls back to /proc polling without pidfds."""

    def __init__(self, event):
        self.event, self.new, self.fds, self.poll = event, queue.Queue(), {}, select.poll()
        self.fallback = {}

    def add(self, pid, what):
        self.new.put((pid, what))

    def step(self, timeout_s):
        while not self.new.empty():
            pid, what = self.new.get()
            try:
                fd = os.pidfd_open(pid)
            except ProcessLookupError:
                self.event('worker_dead', '{} {}'.format(pid, what))
                continue
            except (OSError, AttributeError):
                self.fallback[pid] = what
                continue
            self.fds[fd] = (pid, what)
            self.poll.register(fd, select.POLLIN)
        for fd, _ in self.poll.poll(timeout_s * 1000):
            pid, what = self.fds.pop(fd)
            self.event('worker_dead', '{} {}'.format(pid, what))
            self.poll.unregister(fd)
            os.close(fd)
        for pid in [p for p in self.fallback if process_dead(p)]:
            self.event('worker_dead', '{} {}'.format(pid, self.fallback.pop(pid)))


_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_the_soak():
    """In the child: SIGKILL when the soak dies, even by SIGKILL (e.g. a test timeout)."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(1)


class Proc:
    """One child of the soak in its own session (so its process group holds its workers)."""

    def __init__(self, name, argv, log):
        self.name, self.argv, self.log = name, argv, log
        self.p = None
        self.stopped = False  # SIGSTOPped by a fault
        self.groups = []  # every process group it ever had: orphaned workers stay in theirs

    def start(self):
        with open(self.log, 'ab') as log:
            self.p = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                      start_new_session=True, preexec_fn=_die_with_the_soak)
        self.stopped = False
        self.groups.append(self.p.pid)
        return self

    @property
    def pid(self):
        return self.p.pid if self.p else None

    def alive(self):
        return self.p is not None and self.p.poll() is None

    def signal(self, sig, group=False):
        try:
            if group:
                os.killpg(self.p.pid, sig)
            else:
                self.p.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self, group=True):
        if self.p is None:
            return
        if self.p.poll() is None:
            self.signal(signal.SIGKILL, group)
        self.p.wait()

    def terminate(self, timeout=15):
        if self.p is None or self.p.poll() is not None:
            return
        self.p.terminate()
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class RedisInstance:
    def __init__(self, name, run_dir, replica_of=None, min_replicas=0):
        self.name, self.port = name, free_port()
        self.dir = os.path.join(run_dir, 'redis-' + name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, 'redis.conf')
        lines = ['port {}'.format(self.port), 'bind 127.0.0.1', 'dir ' + self.dir, 'logfile redis.log',
                 'save ""', 'appendonly yes', 'appendfsync everysec', 'aof-use-rdb-preamble no',
                 'enable-debug-command local', 'repl-diskless-sync-delay 0', 'protected-mode no',
                 'min-replicas-to-write {}'.format(min_replicas), 'min-replicas-max-lag 10']
        if replica_of:
            lines.append('replicaof 127.0.0.1 {}'.format(replica_of))
        with open(self.conf, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        self.proc = Proc('redis-' + name, ['redis-server', self.conf], os.path.join(self.dir, 'stdout.log'))

    def client(self, timeout=1.0):
        return redis.Redis(host='127.0.0.1', port=self.port, socket_timeout=timeout, socket_connect_timeout=timeout)

    def start(self):
        self.proc.start()
        wait_for('redis-{} to answer PING'.format(self.name), self.ready, 120)

    def ready(self):
        if not self.proc.alive():
            raise SetupError('redis-{} exited; see {}/redis.log'.format(self.name, self.dir))
        info = self.client().info('server')
        return info.get('process_id') == self.proc.pid and self.client().ping()


class Cluster:
    def __init__(self, args, run_dir, event, say):
        self.a, self.dir, self.event, self.say = args, run_dir, event, say
        self.bin = os.path.join(os.path.abspath(args.build_dir), 'src', 'bin')
        self.probe_log = os.path.join(run_dir, 'probe.log')
        self.redis = []
        self.sentinel = None
        self.sentinel_port = None
        self.schedulers, self.agents, self.discovery = [], [], None
        self._monitor_stop = threading.Event()
        self._monitor = None
        self._lock = threading.Lock()  # fault threads and the monitor share the Proc lists

    # --- Redis and Sentinel -------------------------------------------------------------------
    def start_redis(self):
        # min-replicas-to-write only once the replica is there (the ballast is written before).
        a = RedisInstance('a', self.dir)
        self.redis.append(a)
        a.start()
        if self.a.ballast > 0:
            # DEBUG POPULATE is not written to the AOF; the rewrite writes the whole dataset, so a
            # restart loads it (-LOADING meanwhile). Keys outside the soak's prefix.
            a.client(60).execute_command('DEBUG', 'POPULATE', self.a.ballast, 'soak-ballast', 100)
            a.client().bgrewriteaof()
            wait_for('the AOF rewrite', lambda: a.client().info('persistence')['aof_rewrite_in_progress'] == 0
                     and a.client().info('persistence')['aof_rewrite_scheduled'] == 0, 120)
        b = RedisInstance('b', self.dir, replica_of=a.port, min_replicas=self.a.min_replicas)
        self.redis.append(b)
        b.start()
        wait_for('the replica to link', lambda: b.client().info('replication')['master_link_status'] == 'up', 120)
        a.client().config_set('min-replicas-to-write', self.a.min_replicas)
        a.client().config_rewrite()
        self.sentinel_port = free_port()
        sdir = os.path.join(self.dir, 'sentinel')
        os.makedirs(sdir, exist_ok=True)
        conf = os.path.join(sdir, 'sentinel.conf')
        with open(conf, 'w') as f:
            f.write('port {}\nbind 127.0.0.1\ndir {}\nlogfile sentinel.log\nprotected-mode no\n'
                    'sentinel monitor {m} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {m} 5000\n'
                    'sentinel failover-timeout {m} 10000\n'.format(self.sentinel_port, sdir, a.port, m=MASTER))
        self.sentinel = Proc('sentinel', ['redis-sentinel', conf], os.path.join(sdir, 'stdout.log')).start()
        wait_for('the sentinel to know the replica', lambda: len(self.sentinel_client().sentinel_slaves(MASTER)) == 1
                 and self.sentinel_client().sentinel_slaves(MASTER)[0]['master-link-status'] == 'ok', 60)
        self.event('redis_ready', 'master {} replica {} sentinel {} ballast {}'.format(
            a.port, b.port, self.sentinel_port, self.a.ballast))

    def sentinel_client(self):
        return redis.Redis(host='127.0.0.1', port=self.sentinel_port, socket_timeout=1, socket_connect_timeout=1,
                           decode_responses=True)

    def master(self):
        """The RedisInstance Sentinel calls master, or None."""
        host, port = self.sentinel_client().sentinel_get_master_addr_by_name(MASTER)
        return next((r for r in self.redis if r.port == int(port)), None)

    def healthy(self):
        """Master known, not loading, its replica linked and known to the Sentinel: a Redis fault
        now is one fault, not the second half of the previous one."""
        try:
            m = self.master()
            if m is None or not m.proc.alive() or m.client().info('persistence')['loading'] != 0:
                return False
            info = self.sentinel_client().sentinel_master(MASTER)
            if info.get('flags') != 'master' and info.get('is_master') is not True:
                return False
            if info.get('failover_in_progress') or info.get('is_odown') or info.get('is_sdown'):
                return False
            replicas = self.sentinel_client().sentinel_slaves(MASTER)
            return (len(replicas) == 1 and replicas[0]['master-link-status'] == 'ok'
                    and not replicas[0].get('is_sdown') and not replicas[0].get('is_disconnected'))
        except (redis.RedisError, OSError, ValueError, TypeError):
            return False

    # --- Panoptes -----------------------------------------------------------------------------
    def write_plugins(self):
        disc = os.path.join(self.dir, 'plugins', 'discovery')
        poll = os.path.join(self.dir, 'plugins', 'polling')
        os.makedirs(disc, exist_ok=True)
        os.makedirs(poll, exist_ok=True)
        devices = [{'resource_class': 'soak', 'resource_subclass': 'probe', 'resource_type': 'device',
                    'resource_id': 'dev%03d' % i, 'resource_endpoint': '127.0.0.1'} for i in range(self.a.devices)]
        with open(os.path.join(disc, 'devices.json'), 'w') as f:
            json.dump(devices, f)
        doc = ('[Documentation]\nAuthor = Panoptes C++ soak\nVersion = 1\n'
               'Website = https://example.invalid/panoptes-soak\nDescription = {}\n\n')
        with open(os.path.join(disc, 'devices.panoptes-plugin'), 'w') as f:
            f.write('[Core]\nName = Soak Devices\nModule = {}/plugins/discovery_from_json_file\n\n'.format(ROOT())
                    + doc.format('the soak devices') + '[main]\nexecute_frequency = 300\nresource_ttl = 86400\n'
                    'config_file = {}\n'.format(os.path.join(disc, 'devices.json')))
        with open(os.path.join(poll, 'probe.panoptes-plugin'), 'w') as f:
            f.write('[Core]\nName = Soak Probe\nModule = {}\n\n'.format(os.path.join(os.path.dirname(
                os.path.abspath(__file__)), 'soak_probe')) + doc.format('logs each run outside Redis')
                + '[main]\nexecute_frequency = {}\nresource_filter = resource_class = "soak"\ntime_limit = 3\n'
                'probe_log = {}\nwait_s = 0.5\n'.format(self.a.frequency, self.probe_log))
        for d in (os.path.join(self.dir, 'plugins'), disc, poll):
            os.chmod(d, 0o755)

    def write_config(self, name):
        path = os.path.join(self.dir, name + '.ini')
        with open(path, 'w') as f:
            f.write('[main]\nsites = soak\nplugins_skew = 1\n\n[redis]\nsentinels = 127.0.0.1:{}\nmaster_name = {}\nkey_prefix = {}\n'
                    'io_timeout_ms = 2000\nreconnect_max_backoff_ms = 1000\n\n'
                    '[discovery]\nplugins_paths = {}\n\n[polling]\nplugins_paths = {}\n\n'
                    '[agent]\nworkers = {}\nheartbeat_interval_ms = 1000\nheartbeat_ttl_ms = {}\n\n'
                    '[scheduler]\nleader_ttl_ms = 3000\n\n[http]\nscheduler_listen = 127.0.0.1:0\n'
                    'agent_listen = 127.0.0.1:0\n'.format(
                        self.sentinel_port, MASTER, PREFIX, os.path.join(self.dir, 'plugins', 'discovery'),
                        os.path.join(self.dir, 'plugins', 'polling'), self.a.workers, HEARTBEAT_TTL_S * 1000))
        return path

    def daemon(self, program, name, kind):
        argv = [os.path.join(self.bin, program), '--config', self.write_config(name), '--kind', kind,
                '--log-level', 'info']
        return Proc(name, argv, os.path.join(self.dir, name + '.log'))

    def start(self):
        for program in ('panoptes-scheduler', 'panoptes-agent'):
            if not os.access(os.path.join(self.bin, program), os.X_OK):
                raise SetupError('{} not built in {} (scripts/build --programs)'.format(program, self.bin))
        self.start_redis()
        self.write_plugins()
        self.schedulers = [self.daemon('panoptes-scheduler', 'sched%d' % i, 'all').start() for i in range(2)]
        self.agents = [self.daemon('panoptes-agent', 'agent%d' % i, 'polling').start() for i in range(2)]
        self.discovery = self.daemon('panoptes-agent', 'discovery-agent', 'discovery')
        self.discovery.argv += ['--workers', '1']
        self.discovery.start()
        for p in self.schedulers + self.agents:
            self.event('started', '{} pid {}'.format(p.name, p.pid))
        self._monitor = threading.Thread(target=self.monitor, name='monitor', daemon=True)
        self._monitor.start()

    def restart(self, proc):
        proc.start()
        self.event('started', '{} pid {}'.format(proc.name, proc.pid))

    # --- Monitor ------------------------------------------------------------------------------
    def monitor(self):
        """Every 100 ms: worker processes born and dead (so that a run killed mid-way has an end),
        the polling leader, and every run Redis records crashed or timed out (P:meta)."""
        known = set()  # worker pids seen
        deaths = DeathWatch(self.event)
        threading.Thread(target=self._watch_deaths, args=(deaths,), name='deaths', daemon=True).start()
        leader, meta_keys, seen, client, last_scan, tick = None, [], set(), None, 0, 0
        while not self._monitor_stop.wait(0.1):
            tick += 1
            with self._lock:
                agents = [(a.name, a.pid) for a in self.agents if a.alive()]
            for name, pid in agents:
                for w in children(pid):
                    if w not in known:
                        known.add(w)
                        # The worker's process group is its agent's: stopped with it.
                        self.event('worker_born', '{} {} {}'.format(w, name, pid))
                        deaths.add(w, name)
            if tick % 2:
                continue
            try:
                if client is None:
                    m = self.master()
                    client = m.client(0.5) if m else None
                    if client is None:
                        continue
                token = client.get(PREFIX + ':leader:polling')
                token = token.decode() if token else ''
                if token != leader:
                    leader = token
                    self.event('leader', token or '-')
                if time.monotonic() - last_scan > 5 or not meta_keys:
                    meta_keys = list(client.scan_iter(match=PREFIX + ':meta:polling:*', count=1000))
                    last_scan = time.monotonic()
                # A guard stamps last_executed and takes the lock but leaves last_status as it
                # was: a status 'crashed' is a record of the run stamped last_executed only once
                # that run no longer holds its lock.
                pipe = client.pipeline(transaction=False)
                for k in meta_keys:
                    pipe.hmget(k, 'resource_id', 'last_status', 'last_executed', 'last_error')
                    pipe.exists(k.replace(b':meta:', b':lock:', 1))
                replies = pipe.execute()
                for (rid, status, le, err), locked in zip(replies[::2], replies[1::2]):
                    if locked or rid is None:
                        continue
                    if status in (b'crashed', b'timeout') and (rid, le, status) not in seen:
                        seen.add((rid, le, status))
                        self.event('recorded_' + status.decode(), '{} {} {}'.format(
                            rid.decode(), le.decode() if le else '-', (err or b'').decode().replace('\n', ' ')))
            except (redis.RedisError, OSError, ValueError, AttributeError):
                client = None

    def _watch_deaths(self, deaths):
        while not self._monitor_stop.is_set():
            deaths.step(0.05)

    def stop_monitor(self):
        self._monitor_stop.set()
        if self._monitor:
            self._monitor.join(5)

    # --- Clean-up -----------------------------------------------------------------------------
    def cleanup(self):
        self.stop_monitor()
        daemons = self.schedulers + self.agents + ([self.discovery] if self.discovery else [])
        for p in daemons:  # every group it had: orphaned (possibly stopped) workers included
            for g in p.groups:
                for sig in (signal.SIGKILL, signal.SIGCONT):
                    try:
                        os.killpg(g, sig)
                    except (ProcessLookupError, PermissionError):
                        pass
            if p.p:
                p.p.wait()
        for p in [r.proc for r in self.redis] + ([self.sentinel] if self.sentinel else []):
            p.kill(group=False)


def ROOT():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
