"""The fleet benchmark's polling plugin: a device that takes 250 ms to answer, then one metrics group.

The wait stands for a real poll's network latency (100 ms to seconds): the worker is busy but its
CPU is idle, so the runs in flight on a host are its workers. `started_at` is time.time() on entry
to run(), before the wait: bench_fleet_driver subtracts the task's due time from it. `ended_at`
(after the wait) and the dimension `worker` (the worker's pid) let bench_agent_driver take the
steady rate from the runs themselves and measure each worker's gap between two runs.
"""
import os
import time

from yahoo_panoptes.framework.metrics import (PanoptesMetric, PanoptesMetricDimension, PanoptesMetricsGroup,
                                              PanoptesMetricsGroupSet, PanoptesMetricType)
from yahoo_panoptes.polling.polling_plugin import PanoptesPollingPlugin

WAIT_S = 0.25


class BenchSleepPlugin(PanoptesPollingPlugin):
    def run(self, context):
        started_at = time.time()
        time.sleep(WAIT_S)
        ended_at = time.time()
        group = PanoptesMetricsGroup(context.data, 'bench', 60)
        group.add_dimension(PanoptesMetricDimension('host', 'bench'))
        group.add_dimension(PanoptesMetricDimension('worker', str(os.getpid())))
        group.add_metric(PanoptesMetric('started_at', started_at, PanoptesMetricType.GAUGE))
        group.add_metric(PanoptesMetric('ended_at', ended_at, PanoptesMetricType.GAUGE))
        group.add_metric(PanoptesMetric('cpu_busy', 42, PanoptesMetricType.GAUGE))
        group.add_metric(PanoptesMetric('load', 0.5, PanoptesMetricType.GAUGE))
        groups = PanoptesMetricsGroupSet()
        groups.add(group)
        return groups
