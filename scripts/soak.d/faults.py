"""The soak's faults (scripts/soak). Each is written to events.log ('fault <kind> <detail>') before
it is applied, with its pid, so that the analysis can end a killed run at its process' death."""
import collections
import os
import signal
import threading
import time

import cluster

KINDS = ['kill_worker', 'kill_agent', 'kill_leader', 'stop_agent', 'redis_restart', 'failover', 'sighup']
REDIS_KINDS = ('redis_restart', 'failover')


class Injector:
    def __init__(self, c, event, rng, kinds, stop_range, say):
        self.c, self.event, self.rng, self.kinds, self.stop_range, self.say = c, event, rng, kinds, stop_range, say
        self.done = collections.Counter()
        self.skipped = collections.Counter()
        self.threads = []

    def one(self):
        kind = self.rng.choice(self.kinds)
        applied = getattr(self, kind)()
        (self.done if applied else self.skipped)[kind] += 1

    def summary(self):
        text = ', '.join('{} {}'.format(n, k) for k, n in sorted(self.done.items()))
        if self.skipped:
            text += '; skipped (nothing to hit, or Redis not settled): ' + ', '.join(
                '{} {}'.format(n, k) for k, n in sorted(self.skipped.items()))
        return text

    def finish(self):
        for t in self.threads:
            t.join()

    def fault(self, kind, detail):
        self.event('fault', '{} {}'.format(kind, detail))
        self.say('fault: {} {}'.format(kind, detail))

    def _agent(self, running_only=True):
        with self.c._lock:
            agents = [a for a in self.c.agents if a.alive() and not (running_only and a.stopped)]
        return self.rng.choice(agents) if agents else None

    def kill_worker(self):
        a = self._agent(running_only=False)
        workers = cluster.children(a.pid) if a else []
        if not workers:
            return False
        w = self.rng.choice(workers)
        self.fault('kill_worker', '{} worker {}'.format(a.name, w))
        try:
            os.kill(w, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return True

    def kill_agent(self):
        """SIGKILL of the whole agent (its workers too: a host dying) or of the supervisor alone
        (its workers finish their task and exit, told by PR_SET_PDEATHSIG); restarted 1 s later."""
        a = self._agent(running_only=False)
        if a is None:
            return False
        whole = self.rng.random() < 0.5
        self.fault('kill_agent', '{} pid {} {}'.format(a.name, a.pid, 'with its workers' if whole else 'alone'))
        a.kill(group=whole)
        time.sleep(1)
        with self.c._lock:
            self.c.restart(a)
        return True

    def kill_leader(self):
        try:
            token = self.c.master().client().get(cluster.PREFIX + ':leader:polling')
        except Exception:  # Redis in a fault of its own: try another time
            return False
        pid = int(token.decode().split(':')[1]) if token else None
        s = next((s for s in self.c.schedulers if s.pid == pid and s.alive()), None)
        if s is None:
            return False
        self.fault('kill_leader', '{} pid {}'.format(s.name, pid))
        s.kill()
        time.sleep(1)
        self.c.restart(s)
        return True

    def stop_agent(self):
        """SIGSTOP of a whole agent (a VM pause, a hung host) for longer than the heartbeat TTL;
        SIGCONT from a thread, so that other faults go on meanwhile. Never both agents at once."""
        with self.c._lock:
            if any(a.stopped for a in self.c.agents):
                return False
        a = self._agent()
        if a is None:
            return False
        s = self.rng.uniform(*self.stop_range)
        group = a.pid
        self.fault('stop_agent', '{} pid {} for {:.1f} s'.format(a.name, a.pid, s))
        a.signal(signal.SIGSTOP, group=True)
        a.stopped = True
        self.event('stopped', '{} group {}'.format(a.name, group))

        def resume():
            time.sleep(s)
            self.event('cont', '{} group {}'.format(a.name, group))  # before: it runs from now
            try:
                os.killpg(group, signal.SIGCONT)
            except ProcessLookupError:
                pass
            if a.pid == group:
                a.stopped = False

        t = threading.Thread(target=resume, daemon=True)
        t.start()
        self.threads.append(t)
        return True

    def redis_restart(self):
        """A clean restart of the master (SIGTERM: the AOF is flushed), back on the same port; it
        loads its AOF (with the ballast) meanwhile answering -LOADING. Sentinel waits 5 s before it
        calls the master down, so this is a restart, not a failover."""
        if not self.c.healthy():
            return False
        m = self.c.master()
        self.fault('redis_restart', 'redis-{} port {}'.format(m.name, m.port))
        m.proc.terminate(30)
        t_down = time.monotonic()
        m.proc.start()
        cluster.wait_for('redis-{} back'.format(m.name), lambda: m.client().ping(), 60)
        self.event('redis_up', 'redis-{} after {:.2f} s'.format(m.name, time.monotonic() - t_down))
        return True

    def failover(self):
        if not self.c.healthy():
            return False
        old = self.c.master()
        self.fault('failover', 'from redis-{} port {}'.format(old.name, old.port))
        try:
            self.c.sentinel_client().sentinel_failover(cluster.MASTER)
        except Exception as e:
            self.event('failover_refused', str(e).replace('\n', ' '))
            return True
        t0 = time.monotonic()
        try:
            cluster.wait_for('the new master', lambda: self.c.master() is not old, 30)
            self.event('failover_done', 'to redis-{} after {:.2f} s'.format(self.c.master().name,
                                                                          time.monotonic() - t0))
        except cluster.SetupError as e:
            self.event('failover_slow', str(e))
        return True

    def sighup(self):
        procs = [p for p in self.c.schedulers + self.c.agents if p.alive()]
        if not procs:
            return False
        p = self.rng.choice(procs)
        self.fault('sighup', '{} pid {}'.format(p.name, p.pid))
        p.signal(signal.SIGHUP)
        return True
