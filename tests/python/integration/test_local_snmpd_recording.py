# Our SNMP polling plugins (plugins/snmp_device_metrics.py, plugins/snmp_interface_polling.py)
# against recordings/local_snmpd.snmprec: a net-snmp agent recorded with snmpsim's snmprec
# (tests/fixtures/snmp/record_local.py), served by snmpsimd. The expected values are read from the
# recording itself, so a new recording (from another machine) keeps the test meaningful.
import logging
import os
import sys
import unittest

from panoptes_testing import source_dir
from snmp_simulator import SnmpSim, read_recording

from yahoo_panoptes.framework.plugins.context import PanoptesPluginContext
from yahoo_panoptes.framework.resources import PanoptesResource

sys.path.insert(0, os.path.join(source_dir(), 'plugins'))
import snmp_device_metrics  # noqa: E402
import snmp_interface_polling  # noqa: E402

RECORDING = 'local_snmpd'
HR_STORAGE = '.1.3.6.1.2.1.25.2.3.1'
sim = SnmpSim()


def setUpModule():
    sim.start()


def tearDownModule():
    sim.stop()


class NoSecrets(object):
    def get_by_site(self, key, site):
        return None


def run_plugin(plugin):
    resource = PanoptesResource(resource_site='local', resource_class='network', resource_subclass='host',
                                resource_type='linux', resource_id='recorded-host', resource_endpoint='127.0.0.1',
                                resource_plugin='test')
    config = {'Core': {'name': 'Test', 'module': 'test'},
              'main': {'execute_frequency': '60', 'resource_filter': 'resource_class = "network"'},
              'snmp': {'max_repetitions': '25'}}
    context = PanoptesPluginContext(logger=logging.getLogger('test'), config=config, data=resource, kv=None,
                                    secrets=NoSecrets(), sites=['local'], enrichment=None,
                                    snmp={'community': RECORDING, 'port': sim.port, 'timeout': 5, 'retries': 1},
                                    x509={})
    return plugin.run(context)


def by_type(groups, group_type, dimension=None):
    """{value of `dimension` (None without): {metric name: value}} of the groups of one type."""
    out = {}
    for group in groups:
        if group.group_type == group_type:
            key = {d.name: d.value for d in group.dimensions}[dimension] if dimension else None
            out[key] = {m.metric_name: m.metric_value for m in group.metrics}
    return out


def column(recording, oid):
    """{index: value text} of one table column of the recording."""
    prefix = oid + '.'
    return {key[len(prefix):]: value for key, (_, value) in recording.items() if key.startswith(prefix)}


def text(tag, value):
    return bytes.fromhex(value).decode() if tag == '4x' else value


class TestLocalSnmpdRecording(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.recording = read_recording(RECORDING)

    def test_the_recording_is_sanitised(self):
        self.assertEqual(self.recording['.1.3.6.1.2.1.1.5.0'], ('4', 'recorded-host'))
        self.assertEqual(self.recording['.1.3.6.1.2.1.1.4.0'], ('4', 'noc@example.net'))
        self.assertFalse([k for k in self.recording if k.startswith('.1.3.6.1.2.1.25.4.')], 'hrSWRun recorded')

    def test_device_metrics_give_uptime_cpu_memory_and_storage_as_recorded(self):
        groups = run_plugin(snmp_device_metrics.SNMPDeviceMetrics())
        uptime = int(self.recording['.1.3.6.1.2.1.1.3.0'][1]) // 100
        self.assertEqual(by_type(groups, 'system'), {None: {'uptime_seconds': uptime}})
        loads = column(self.recording, '.1.3.6.1.2.1.25.3.3.1.2')
        self.assertTrue(loads, 'the recording has no hrProcessorLoad')
        self.assertEqual(by_type(groups, 'cpu', 'cpu_no'), {i: {'cpu_utilization': int(v)} for i, v in loads.items()})
        descr = {i: text(*self.recording[HR_STORAGE + '.3.' + i]) for i in column(self.recording, HR_STORAGE + '.3')}
        memory, storage = by_type(groups, 'memory', 'memory_type'), by_type(groups, 'storage', 'storage_name')
        self.assertIn('Physical memory', memory)
        self.assertIn('/', storage)
        for index, name in descr.items():
            units = int(self.recording[HR_STORAGE + '.4.' + index][1])
            size, used = (int(self.recording['%s.%d.%s' % (HR_STORAGE, c, index)][1]) for c in (5, 6))
            ram = self.recording[HR_STORAGE + '.2.' + index][1] == '1.3.6.1.2.1.25.2.1.2'
            got = (memory if ram else storage)[name]
            prefix = 'memory' if ram else 'storage'
            self.assertEqual(got, {prefix + '_total': size * units, prefix + '_used': used * units}, name)
        self.assertEqual(len(memory) + len(storage), len(descr))

    def test_interface_polling_gives_the_recorded_counters_of_each_interface(self):
        groups = run_plugin(snmp_interface_polling.SNMPInterfacePolling())
        names = {i: text(*self.recording['.1.3.6.1.2.1.31.1.1.1.1.' + i])
                 for i in column(self.recording, '.1.3.6.1.2.1.31.1.1.1.1')}
        interfaces = by_type(groups, 'interface', 'interface_name')
        self.assertIn('lo', interfaces)
        self.assertEqual(sorted(interfaces), sorted(names.values()))
        for index, name in names.items():
            metrics = interfaces[name]
            in_octets = int(self.recording['.1.3.6.1.2.1.31.1.1.1.6.' + index][1])
            out_octets = int(self.recording['.1.3.6.1.2.1.31.1.1.1.10.' + index][1])
            self.assertEqual((metrics['bits_in'], metrics['bits_out']), (in_octets * 8, out_octets * 8), name)
            self.assertEqual(metrics['oper_state'], int(self.recording['.1.3.6.1.2.1.2.2.1.8.' + index][1]), name)
            self.assertEqual(metrics['mtu'], int(self.recording['.1.3.6.1.2.1.2.2.1.4.' + index][1]), name)


if __name__ == '__main__':
    unittest.main()
