"""Polling plugin: metrics of the local host from /proc.

Groups (metrics_group_type):
- "system": load1, load5, load15, processes_running, processes_total (gauges, /proc/loadavg),
  uptime_seconds (gauge), memory_{total,free,available,buffers,cached}_bytes and
  swap_{total,free}_bytes (gauges, /proc/meminfo), cpu_{user,nice,system,idle,iowait,irq,softirq,steal}_seconds
  (counters, /proc/stat).
- "interface", one per interface (dimension interface_name): {bytes,packets,errors,drops}_{in,out}
  (counters, /proc/net/dev). With the "interface" enrichment preloaded ([enrichment] preload =
  self:interface), also the gauges mtu and speed_mbps and the dimension operstate.
Runs on resources describing the host the agent runs on.
"""
import os
import time

from panoptes import (PanoptesPollingPlugin, PanoptesPollingPluginError, PanoptesMetricsGroupSet,
                      PanoptesMetricsGroup, PanoptesMetric, PanoptesMetricType, PanoptesMetricDimension,
                      PanoptesEnrichmentCacheError)

GAUGE = PanoptesMetricType.GAUGE
COUNTER = PanoptesMetricType.COUNTER
_CLOCK_TICKS = os.sysconf('SC_CLK_TCK') if hasattr(os, 'sysconf') else 100
_MEMINFO = {'MemTotal': 'memory_total_bytes', 'MemFree': 'memory_free_bytes',
            'MemAvailable': 'memory_available_bytes', 'Buffers': 'memory_buffers_bytes',
            'Cached': 'memory_cached_bytes', 'SwapTotal': 'swap_total_bytes', 'SwapFree': 'swap_free_bytes'}
_CPU_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal']
# /proc/net/dev columns after the name: 8 receive fields, then 8 transmit fields.
_NET_FIELDS = {0: 'bytes_in', 1: 'packets_in', 2: 'errors_in', 3: 'drops_in',
               8: 'bytes_out', 9: 'packets_out', 10: 'errors_out', 11: 'drops_out'}


def _read(path):
    with open(path) as f:
        return f.read()


def system_metrics(proc='/proc'):
    """[(name, value, type)] of the host-wide metrics."""
    metrics = []
    load = _read(os.path.join(proc, 'loadavg')).split()
    metrics += [('load1', float(load[0]), GAUGE), ('load5', float(load[1]), GAUGE), ('load15', float(load[2]), GAUGE)]
    running, total = load[3].split('/')
    metrics += [('processes_running', int(running), GAUGE), ('processes_total', int(total), GAUGE)]
    metrics.append(('uptime_seconds', float(_read(os.path.join(proc, 'uptime')).split()[0]), GAUGE))
    for line in _read(os.path.join(proc, 'meminfo')).splitlines():
        key, _, rest = line.partition(':')
        if key in _MEMINFO:
            metrics.append((_MEMINFO[key], int(rest.split()[0]) * 1024, GAUGE))
    for line in _read(os.path.join(proc, 'stat')).splitlines():
        if line.startswith('cpu '):
            values = line.split()[1:]
            for name, value in zip(_CPU_FIELDS, values):
                metrics.append(('cpu_%s_seconds' % name, int(value) / float(_CLOCK_TICKS), COUNTER))
            break
    return metrics


def interface_counters(proc='/proc'):
    """{interface: {metric: value}} from /proc/net/dev."""
    counters = {}
    for line in _read(os.path.join(proc, 'net', 'dev')).splitlines()[2:]:
        name, _, rest = line.partition(':')
        fields = rest.split()
        if len(fields) < 16:
            continue
        counters[name.strip()] = {metric: int(fields[i]) for i, metric in _NET_FIELDS.items()}
    return counters


class HostMetricsPlugin(PanoptesPollingPlugin):
    def run(self, context):
        interval = int(context.config.get('main', {}).get('execute_frequency', 60))
        resource = context.data
        now = time.time()
        groups = PanoptesMetricsGroupSet()
        try:
            system = PanoptesMetricsGroup(resource, 'system', interval)
            for name, value, kind in system_metrics():
                system.add_metric(PanoptesMetric(name, value, kind, now))
            counters = interface_counters()
        except (OSError, ValueError, IndexError) as e:
            raise PanoptesPollingPluginError('cannot read /proc: {!r}'.format(e))
        groups.add(system)
        enrichment = self._interfaces_enrichment(context)
        for interface, values in sorted(counters.items()):
            group = PanoptesMetricsGroup(resource, 'interface', interval)
            group.add_dimension(PanoptesMetricDimension('interface_name', interface))
            for name, value in sorted(values.items()):
                group.add_metric(PanoptesMetric(name, value, COUNTER, now))
            extra = enrichment.get(interface)
            if extra:
                group.add_metric(PanoptesMetric('mtu', extra.get('mtu', -1), GAUGE, now))
                group.add_metric(PanoptesMetric('speed_mbps', extra.get('speed_mbps', -1), GAUGE, now))
                if extra.get('operstate'):
                    group.add_dimension(PanoptesMetricDimension('operstate', extra['operstate']))
            groups.add(group)
        return groups

    @staticmethod
    def _interfaces_enrichment(context):
        if context.enrichment is None:
            return {}
        try:
            return context.enrichment.get_enrichment('self', 'interface')
        except PanoptesEnrichmentCacheError:
            context.logger.debug('no interface enrichment for {}: polling without it'.format(
                context.data.resource_id))
            return {}
