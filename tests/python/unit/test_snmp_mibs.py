# snmp.mibs.* and snmp.variable: OIDs, typed values and index normalisation, as the original's.
import unittest

from yahoo_panoptes.framework.metrics import PanoptesMetricType
from yahoo_panoptes.framework.utilities.snmp.mibs import dot3StatsTable, ifTable, ifXTable
from yahoo_panoptes.framework.utilities.snmp.mibs.base import (SNMPGauge32, SNMPInteger, SNMPInteger32, SNMPString,
                                                              SNMPType, oid)
from yahoo_panoptes.framework.utilities.snmp.mibs.juniper import MibJuniper
from yahoo_panoptes.framework.utilities.snmp.mibs.snmpv2 import MibSNMPV2
from yahoo_panoptes.framework.utilities.snmp.variable import PanoptesSNMPVariable


class TestMibs(unittest.TestCase):
    def test_interface_tables(self):
        self.assertEqual(ifTable.ifPhysAddress, '.1.3.6.1.2.1.2.2.1.6')
        self.assertEqual(ifXTable.ifHCOutOctets, '.1.3.6.1.2.1.31.1.1.1.10')
        self.assertEqual(ifXTable.ifAlias, '.1.3.6.1.2.1.31.1.1.1.18')
        self.assertEqual(dot3StatsTable.dot3StatsFrameTooLongs, '.1.3.6.1.2.1.10.7.2.1.13')
        self.assertEqual(len(ifTable.if_table_oids), 9)
        self.assertEqual(len(ifXTable.ifx_table_oids), 9)
        self.assertEqual(len(dot3StatsTable.dots3stats_table_oids), 3)

    def test_if_type_and_status_names(self):
        self.assertEqual(ifTable.getIfTypeDesc('6'), 'ethernetCsmacd')
        self.assertEqual(ifTable.getIfTypeDesc(24), 'softwareLoopback')
        self.assertEqual(ifTable.getIfTypeDesc('161'), 'ieee8023adLag')
        self.assertEqual(ifTable.getIfTypeDesc(251), 'vdsl2')
        self.assertEqual(len(ifTable.ifTypeEnum), 251)
        self.assertEqual(ifTable.ifTypeEnum[116], ('gigabitEthernet', 117))
        with self.assertRaises(IndexError):
            ifTable.getIfTypeDesc(252)
        self.assertEqual(ifTable.getIfStatus('1'), 'up')
        self.assertEqual(ifTable.getIfStatus('7'), 'lowerLayerDown')
        self.assertIsNone(ifTable.getIfStatus('8'))

    def test_oid_addition_keeps_the_type_of_the_right_side(self):
        base = oid('.1.3.6', SNMPInteger)
        self.assertEqual(str(base + oid('1.2')), '.1.3.6.1.2')
        self.assertIsNone((base + oid('1')).snmp_type)  # an oid without a type: None, as the original
        self.assertIs((base + '.4.').snmp_type, SNMPInteger)  # text keeps the left side's
        self.assertEqual(repr(base), 'oid(".1.3.6")')
        self.assertEqual(base.oid, '.1.3.6')

    def test_juniper_and_snmpv2_objects(self):
        self.assertEqual(MibJuniper.jnxOperatingCPU.oid, '.1.3.6.1.4.1.2636.3.1.13.1.8')
        self.assertIs(MibJuniper.jnxOperatingCPU.snmp_type, SNMPGauge32)
        self.assertIs(MibJuniper.jnxOperatingDescr.snmp_type, SNMPString)
        self.assertEqual(str(MibJuniper.jnxJsSPUMonitoringCPUUsage), '.1.3.6.1.4.1.2636.3.39.1.12')
        self.assertEqual(str(MibJuniper.hrStorageUsed), '.1.3.6.1.2.1.25.2.3.1.6')
        self.assertEqual(MibSNMPV2.sysDescr.oid, '.1.3.6.1.2.1.1.1')

    def test_typed_values_validate(self):
        self.assertEqual(SNMPInteger.metric_type, PanoptesMetricType.COUNTER)
        self.assertEqual(SNMPGauge32.metric_type, PanoptesMetricType.GAUGE)
        self.assertEqual(str(SNMPInteger32(5)), 'integer')
        with self.assertRaises(ValueError):
            SNMPInteger32(2 ** 31)
        with self.assertRaises(ValueError):
            SNMPType('not a float')
        self.assertEqual(SNMPType(1.5).value, 1.5)


class TestVariable(unittest.TestCase):
    def test_index_is_relative_to_the_queried_oid(self):
        v = PanoptesSNMPVariable('.1.3.6.1.4.1.2636.3.1.13.1.8', '.1.3.6.1.4.1.2636.3.1.13.1.8.9.1.0', '0', '5',
                                 'GAUGE')
        self.assertEqual((v.oid, v.index, v.value, v.snmp_type), ('.1.3.6.1.4.1.2636.3.1.13.1.8', '9.1.0.0', '5',
                                                                 'GAUGE'))
        same = PanoptesSNMPVariable('.1.3.6.1.2.1.2.2.1.2', '.1.3.6.1.2.1.2.2.1.2', '7', 'eth7', 'OCTETSTR')
        self.assertEqual(same.index, '7')

    def test_repr_shows_bytes_escaped(self):
        v = PanoptesSNMPVariable('.1.3', '.1.3', '1', b'\xffa', 'OCTETSTR')
        self.assertEqual(repr(v), r"<PanoptesSNMPVariable value='\\xffa' (oid='.1.3', index='1', snmp_type='OCTETSTR')>")

    def test_bad_arguments(self):
        for args in (('1.3', '.1.3', '1', 'v', 't'), ('.1.3', 'x', '1', 'v', 't'), ('.1.3', '.1.3', '', 'v', 't'),
                     ('.1.3', '.1.3', '1', 'v', '')):
            with self.assertRaises(AssertionError, msg=args):
                PanoptesSNMPVariable(*args)


if __name__ == '__main__':
    unittest.main()
