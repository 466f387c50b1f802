"""Polling plugin: interface counters and states of an SNMP device (IF-MIB, 64-bit counters).

One metrics group "interface" per ifIndex. Counters: bits_in/bits_out (ifHCIn/OutOctets x 8),
unicast/multicast/broadcast_packets_in/out (ifHC*Pkts), total_packets_in/out (their sums),
errors_in/out and discards_in/out (ifIn/OutErrors, ifIn/OutDiscards). Gauges: admin_state and
oper_state (1 up, 2 down, ...), oper_admin_state_mismatch (1 when admin up and oper not),
mtu, configured_speed (bit/s). Dimensions: interface_name, description, media_type, alias from the
"interface" enrichment when preloaded ([enrichment] preload = self:interface), else interface_name
from ifName and the others '<not set>'. A row a device leaves out is -1.
"""
import time

from panoptes import (PanoptesPollingPlugin, PanoptesMetricsGroupSet, PanoptesMetricsGroup, PanoptesMetric,
                      PanoptesMetricType, PanoptesMetricDimension, PanoptesEnrichmentCacheError)
from yahoo_panoptes.framework.plugins.base_snmp_plugin import PanoptesSNMPBasePlugin

import snmp_common as snmp

GAUGE, COUNTER = PanoptesMetricType.GAUGE, PanoptesMetricType.COUNTER

IF_COLUMNS = {'admin': snmp.IF_ADMIN_STATUS, 'oper': snmp.IF_OPER_STATUS, 'mtu': snmp.IF_MTU,
              'speed': snmp.IF_SPEED, 'errors_in': snmp.IF_IN_ERRORS, 'errors_out': snmp.IF_OUT_ERRORS,
              'discards_in': snmp.IF_IN_DISCARDS, 'discards_out': snmp.IF_OUT_DISCARDS}
IFX_COLUMNS = {'octets_in': snmp.IF_HC_IN_OCTETS, 'octets_out': snmp.IF_HC_OUT_OCTETS,
               'unicast_packets_in': snmp.IF_HC_IN_UCAST, 'unicast_packets_out': snmp.IF_HC_OUT_UCAST,
               'multicast_packets_in': snmp.IF_HC_IN_MCAST, 'multicast_packets_out': snmp.IF_HC_OUT_MCAST,
               'broadcast_packets_in': snmp.IF_HC_IN_BCAST, 'broadcast_packets_out': snmp.IF_HC_OUT_BCAST,
               'high_speed': snmp.IF_HIGH_SPEED}
DIMENSIONS = ('interface_name', 'description', 'media_type', 'alias')


def interface_metrics(row):
    """[(name, value, type)] of one ifIndex from its walked columns."""
    v = {name: snmp.to_int(row.get(name)) for name in list(IF_COLUMNS) + list(IFX_COLUMNS)}
    admin, oper = v['admin'], v['oper']
    metrics = [('admin_state', admin, GAUGE), ('oper_state', oper, GAUGE),
               ('oper_admin_state_mismatch', 1 if admin == 1 and oper != 1 else 0, GAUGE),
               ('mtu', v['mtu'], GAUGE), ('configured_speed', snmp.speed_bps(v['high_speed'], v['speed']), GAUGE)]
    for name in ('octets_in', 'octets_out'):
        value = v[name]
        metrics.append(('bits_' + name[len('octets_'):], value * 8 if value >= 0 else value, COUNTER))
    for direction in ('in', 'out'):
        packets = [v['%s_packets_%s' % (kind, direction)] for kind in ('unicast', 'multicast', 'broadcast')]
        for kind, value in zip(('unicast', 'multicast', 'broadcast'), packets):
            metrics.append(('%s_packets_%s' % (kind, direction), value, COUNTER))
        total = sum(packets) if all(p >= 0 for p in packets) else snmp.MISSING_NUMBER
        metrics.append(('total_packets_' + direction, total, COUNTER))
    for name in ('errors_in', 'errors_out', 'discards_in', 'discards_out'):
        metrics.append((name, v[name], COUNTER))
    return metrics


class SNMPInterfacePolling(PanoptesSNMPBasePlugin, PanoptesPollingPlugin):
    def _interface_enrichment(self):
        if self.enrichment is None:
            return {}
        try:
            return self.enrichment.get_enrichment('self', 'interface')
        except PanoptesEnrichmentCacheError:
            self.logger.debug('no interface enrichment for {}: ifName only'.format(self.resource.resource_id))
            return {}

    def get_results(self):
        config = self.snmp_configuration
        columns = dict(IF_COLUMNS, **IFX_COLUMNS)
        enrichment = self._interface_enrichment()
        if not enrichment:
            columns['name'] = snmp.IF_NAME
        rows = snmp.read_columns(self.snmp_connection, columns, config.non_repeaters, config.max_repetitions)
        now = time.time()
        groups = PanoptesMetricsGroupSet()
        for index in sorted(rows, key=snmp.to_int):
            row = rows[index]
            group = PanoptesMetricsGroup(self.resource, 'interface', self.execute_frequency)
            known = enrichment.get(index, {})
            for name in DIMENSIONS:
                value = known.get(name) if known else (row.get('name') if name == 'interface_name' else None)
                group.add_dimension(PanoptesMetricDimension(name, snmp.to_text(value)))
            for name, value, kind in interface_metrics(row):
                group.add_metric(PanoptesMetric(name, value, kind, now))
            groups.add(group)
        return groups
