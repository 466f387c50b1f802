"""Polling plugin: device metrics over SNMP (SNMPv2-MIB and HOST-RESOURCES-MIB).

Groups (metrics_group_type):
- "system": uptime_seconds (gauge, sysUpTime).
- "cpu", one per processor (dimension cpu_no = hrDeviceIndex): cpu_utilization (gauge, percent
  over the last minute, hrProcessorLoad).
- "memory", one per RAM entry of hrStorageTable (dimension memory_type = hrStorageDescr):
  memory_total and memory_used (gauges, bytes).
- "storage", one per other hrStorageTable entry (dimension storage_name = hrStorageDescr):
  storage_total and storage_used (gauges, bytes).
A device without HOST-RESOURCES-MIB gives the "system" group alone.
"""
import time

from panoptes import (PanoptesPollingPlugin, PanoptesMetricsGroupSet, PanoptesMetricsGroup, PanoptesMetric,
                      PanoptesMetricType, PanoptesMetricDimension)
from yahoo_panoptes.framework.plugins.base_snmp_plugin import PanoptesSNMPBasePlugin

import snmp_common as snmp

GAUGE = PanoptesMetricType.GAUGE
STORAGE_COLUMNS = {'type': snmp.HR_STORAGE_TYPE, 'descr': snmp.HR_STORAGE_DESCR, 'units': snmp.HR_STORAGE_UNITS,
                   'size': snmp.HR_STORAGE_SIZE, 'used': snmp.HR_STORAGE_USED}


def storage_groups(rows):
    """[(group_type, dimension, name, total_bytes, used_bytes)] of the hrStorageTable rows."""
    out = []
    for index in sorted(rows, key=snmp.to_int):
        row = rows[index]
        units = snmp.to_int(row.get('units'), 0)
        size, used = snmp.to_int(row.get('size')), snmp.to_int(row.get('used'))
        if units <= 0 or size < 0:
            continue
        kind = str(row.get('type', '')).lstrip('.')
        ram = kind == snmp.HR_STORAGE_RAM.lstrip('.')
        name = snmp.to_text(row.get('descr'), 'storage %s' % index)
        out.append(('memory' if ram else 'storage', 'memory_type' if ram else 'storage_name', name,
                    size * units, used * units if used >= 0 else snmp.MISSING_NUMBER))
    return out


class SNMPDeviceMetrics(PanoptesSNMPBasePlugin, PanoptesPollingPlugin):
    def _group(self, group_type, dimension=None, value=None):
        group = PanoptesMetricsGroup(self.resource, group_type, self.execute_frequency)
        if dimension:
            group.add_dimension(PanoptesMetricDimension(dimension, value))
        return group

    def get_results(self):
        config, connection = self.snmp_configuration, self.snmp_connection
        now = time.time()
        groups = PanoptesMetricsGroupSet()
        uptime = connection.get(snmp.SYS_UPTIME)
        system = self._group('system')
        system.add_metric(PanoptesMetric('uptime_seconds', snmp.to_int(uptime.value) // 100, GAUGE, now))
        groups.add(system)
        loads = connection.bulk_walk(snmp.HR_PROCESSOR_LOAD, non_repeaters=config.non_repeaters,
                                     max_repetitions=config.max_repetitions)
        for variable in loads:
            group = self._group('cpu', 'cpu_no', str(variable.index))
            group.add_metric(PanoptesMetric('cpu_utilization', snmp.to_int(variable.value), GAUGE, now))
            groups.add(group)
        rows = snmp.read_columns(connection, STORAGE_COLUMNS, config.non_repeaters, config.max_repetitions)
        for group_type, dimension, name, total, used in storage_groups(rows):
            group = self._group(group_type, dimension, name)
            group.add_metric(PanoptesMetric(group_type + '_total', total, GAUGE, now))
            group.add_metric(PanoptesMetric(group_type + '_used', used, GAUGE, now))
            groups.add(group)
        return groups
