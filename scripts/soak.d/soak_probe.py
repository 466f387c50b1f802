"""The soak's probe (scripts/soak): a polling plugin that logs the start and the end of each run to
a file outside Redis ([main] probe_log), so that the analysis sees what really ran, and when,
whatever Redis recorded. One line per event:
    <start|end> <resource_id> <CLOCK_MONOTONIC s> <wall s> <pid>
each appended with one write() (O_APPEND: lines of concurrent writers do not interleave). The
monotonic clock is the machine's, shared by every process, so the analysis measures intervals on
it; the wall clock matches Redis' TIME (last_executed). A run waits [main] wait_s (a device's
latency) between the two lines, so that overlapping runs of one device show as overlaps; an
exception raised into it meanwhile (the worker aborting the plugin) logs 'abort' instead of 'end'.
"""
import os
import time

from yahoo_panoptes.framework.metrics import (PanoptesMetric, PanoptesMetricDimension, PanoptesMetricsGroup,
                                              PanoptesMetricsGroupSet, PanoptesMetricType)
from yahoo_panoptes.polling.polling_plugin import PanoptesPollingPlugin


def _log(path, what, resource_id):
    line = '{} {} {:.6f} {:.6f} {}\n'.format(what, resource_id, time.monotonic(), time.time(), os.getpid())
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


class SoakProbe(PanoptesPollingPlugin):
    def run(self, context):
        main = context.config.get('main', {})
        path = main['probe_log']
        resource_id = context.data.resource_id
        _log(path, 'start', resource_id)
        try:
            time.sleep(float(main.get('wait_s', '0.5')))
        except BaseException:  # the worker aborts the plugin (e.g. past its deadline): it ends here
            _log(path, 'abort', resource_id)
            raise
        group = PanoptesMetricsGroup(context.data, 'soak', 60)
        group.add_dimension(PanoptesMetricDimension('device', resource_id))
        group.add_metric(PanoptesMetric('runs', 1, PanoptesMetricType.COUNTER))
        groups = PanoptesMetricsGroupSet()
        groups.add(group)
        _log(path, 'end', resource_id)
        return groups
