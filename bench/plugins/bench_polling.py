"""The benchmarks' trivial polling plugin: one metrics group of three gauges, no I/O.

Same work as ../shared/bench/celery's TrivialPollingPlugin, written against the original
Panoptes import paths (docs/plugin-api.md) so that it exercises the compatibility modules too. The gauge
`started_at` is time.time() on entry to run(): bench/e2e_driver subtracts the task's due time
from it to get the due time -> plugin start latency.
"""
import time

from yahoo_panoptes.framework.metrics import (PanoptesMetric, PanoptesMetricDimension, PanoptesMetricsGroup,
                                              PanoptesMetricsGroupSet, PanoptesMetricType)
from yahoo_panoptes.polling.polling_plugin import PanoptesPollingPlugin


class BenchPollingPlugin(PanoptesPollingPlugin):
    def run(self, context):
        started_at = time.time()
        group = PanoptesMetricsGroup(context.data, 'bench', 60)
        group.add_dimension(PanoptesMetricDimension('host', 'bench'))
        group.add_metric(PanoptesMetric('started_at', started_at, PanoptesMetricType.GAUGE))
        group.add_metric(PanoptesMetric('cpu_busy', 42, PanoptesMetricType.GAUGE))
        group.add_metric(PanoptesMetric('load', 0.5, PanoptesMetricType.GAUGE))
        groups = PanoptesMetricsGroupSet()
        groups.add(group)
        return groups
