# framework.utilities.snmp.connection against a real snmpsimd serving the synthetic recordings
# (tests/fixtures/snmp/generate.py): SNMPv2c and v3, get / get_next / get_bulk / bulk_walk, error
# answers, silent agents and their time bounds.
import time
import unittest

from snmp_simulator import V3_AUTH_KEY, V3_PRIV_KEY, V3_USER, Snmpd, SnmpSim, free_udp_port, read_recording

from yahoo_panoptes.framework.utilities.snmp.connection import (PanoptesSNMPV2Connection, PanoptesSNMPV3Connection)
from yahoo_panoptes.framework.utilities.snmp.exceptions import (PanoptesSNMPConnectionException,
                                                                PanoptesSNMPException, PanoptesSNMPTimeoutException)
from yahoo_panoptes.framework.utilities.snmp.mibs.ifTable import ifDescr, ifIndex
from yahoo_panoptes.framework.utilities.snmp.mibs.ifXTable import ifHCInOctets
from yahoo_panoptes.framework.utilities.snmp.mibs.juniper import MibJuniper

sim = SnmpSim()


def setUpModule():
    sim.start()


def tearDownModule():
    sim.stop()


def v2(community='switch48', timeout=2, retries=1, port=None):
    return PanoptesSNMPV2Connection('127.0.0.1', port or sim.port, timeout, retries, community)


def column(recording, base):
    """{index: value} of the recorded OIDs under `base`, in OID order."""
    rows = [(oid, value) for oid, (_, value) in read_recording(recording).items() if oid.startswith(base + '.')]
    rows.sort(key=lambda r: tuple(int(p) for p in r[0].strip('.').split('.')))
    return [(oid[len(base) + 1:], value) for oid, value in rows]


class TestGet(unittest.TestCase):
    def test_get_returns_the_recorded_value_with_the_queried_oid(self):
        var = v2().get('.1.3.6.1.2.1.1.5.0')
        self.assertEqual(var.value, 'switch48.lab')
        self.assertEqual(var.snmp_type, 'OCTETSTR')
        self.assertEqual(var.oid, '.1.3.6.1.2.1.1.5.0')
        self.assertEqual(var.index, '0')

    def test_counter64_and_timeticks_come_back_as_text_with_their_types(self):
        conn = v2()
        octets = conn.get(ifHCInOctets + '.48')
        self.assertEqual(octets.snmp_type, 'COUNTER64')
        self.assertEqual(octets.value, read_recording('switch48')[ifHCInOctets + '.48'][1])
        self.assertEqual(conn.get('.1.3.6.1.2.1.1.3.0').snmp_type, 'TICKS')

    def test_a_missing_object_is_a_value_typed_nosuch_not_an_error(self):
        var = v2().get('.1.3.6.1.2.1.1.5.7')
        self.assertIn(var.snmp_type, ('NOSUCHINSTANCE', 'NOSUCHOBJECT'))
        self.assertEqual(var.value, var.snmp_type)

    def test_get_next_returns_the_following_variable(self):
        var = v2().get_next('.1.3.6.1.2.1.1.4.0')
        self.assertEqual((var.oid, var.index, var.value), ('.1.3.6.1.2.1.1.5', '0', 'switch48.lab'))

    def test_another_recording_by_community(self):
        self.assertTrue(v2('juniper_mx').get('.1.3.6.1.2.1.1.2.0').value.startswith('.1.3.6.1.4.1.2636.'))
        self.assertTrue(v2('cisco_ios').get('.1.3.6.1.2.1.1.2.0').value.startswith('.1.3.6.1.4.1.9.'))


class TestBulk(unittest.TestCase):
    def test_get_bulk_returns_max_repetitions_variables_indexed_below_the_base(self):
        got = v2().get_bulk(ifDescr, max_repetitions=5)
        self.assertEqual([(v.oid, v.index) for v in got], [(ifDescr, str(i)) for i in range(1, 6)])

    def test_bulk_walk_of_a_counter64_column_over_fifty_interfaces(self):
        expected = column('switch48', ifHCInOctets)
        self.assertEqual(len(expected), 50)
        for repetitions in (25, 7, 1, 50, 100):
            got = v2().bulk_walk(ifHCInOctets, max_repetitions=repetitions)
            self.assertEqual([(v.index, v.value) for v in got], expected, repetitions)
            self.assertTrue(all(v.oid == ifHCInOctets and v.snmp_type == 'COUNTER64' for v in got))

    def test_bulk_walk_of_column_1_stops_before_columns_10_and_up(self):
        got = v2().bulk_walk(ifIndex, max_repetitions=25)
        self.assertEqual([v.value for v in got], [i for _, i in column('switch48', ifIndex)])

    def test_bulk_walk_reports_multi_part_indexes_relative_to_the_walked_oid(self):
        got = v2('juniper_mx').bulk_walk(MibJuniper.jnxOperatingCPU.oid, max_repetitions=2)
        self.assertEqual([v.index for v in got], ['1.1.0.0', '7.1.0.0', '7.2.0.0', '9.1.0.0', '9.2.0.0'])

    def test_bulk_walk_of_the_last_subtree_ends_at_the_end_of_the_mib_view(self):
        last_column = MibJuniper.jnxOperating15MinAvgCPU.oid
        self.assertEqual(len(v2('juniper_mx').bulk_walk(last_column, max_repetitions=5)), 5)
        whole = v2('juniper_mx').bulk_walk('.1.3.6.1.4.1.2636', max_repetitions=10)
        self.assertEqual(len(whole), len(column('juniper_mx', '.1.3.6.1.4.1.2636')))
        self.assertNotIn('ENDOFMIBVIEW', [v.snmp_type for v in whole])

    def test_bulk_walk_of_an_empty_subtree_is_empty(self):
        self.assertEqual(v2().bulk_walk('.1.3.6.1.4.1.2636.3.1.13'), [])


class TestV3(unittest.TestCase):
    def v3(self, context='switch48', user=V3_USER, auth=V3_AUTH_KEY, level='authPriv', port=None):
        return PanoptesSNMPV3Connection('127.0.0.1', port or sim.port, 1, 0, user, security_level=level,
                                        auth_protocol='SHA', auth_password=auth, privacy_protocol='AES',
                                        privacy_password=V3_PRIV_KEY, context=context)

    def test_auth_priv_get_and_walk_pick_the_recording_by_context(self):
        self.assertEqual(self.v3().get('.1.3.6.1.2.1.1.5.0').value, 'switch48.lab')
        self.assertEqual(self.v3('juniper_mx').get('.1.3.6.1.2.1.1.5.0').value, 'mx.lab')
        self.assertEqual(len(self.v3().bulk_walk(ifHCInOctets, max_repetitions=20)), 50)

    def test_snmpsimd_ignores_an_unknown_user_a_timeout_naming_the_endpoint(self):
        with self.assertRaises(PanoptesSNMPTimeoutException) as caught:
            self.v3(user='nobody-here').get('.1.3.6.1.2.1.1.5.0')
        self.assertIn('127.0.0.1:{}'.format(sim.port), str(caught.exception))

    def test_snmpd_reports_an_unknown_user_or_a_wrong_key_at_once_as_an_error_not_a_timeout(self):
        with Snmpd() as snmpd:
            self.assertTrue(self.v3(port=snmpd.port, context='').get('.1.3.6.1.2.1.1.5.0').value)
            for user, auth, reason in (('nobody-here', V3_AUTH_KEY, 'Unknown user name'),
                                       (V3_USER, 'wrong-auth-key', 'Authentication failure')):
                start = time.monotonic()
                with self.assertRaises(PanoptesSNMPException) as caught:
                    self.v3(port=snmpd.port, context='', user=user, auth=auth).get('.1.3.6.1.2.1.1.5.0')
                self.assertNotIsInstance(caught.exception, PanoptesSNMPConnectionException)
                self.assertIn(reason, str(caught.exception))
                self.assertLess(time.monotonic() - start, 0.9)

    def test_a_bad_security_level_is_refused(self):
        with self.assertRaises(AssertionError):
            self.v3(level='everything')


class TestErrors(unittest.TestCase):
    def test_an_error_status_raises_naming_status_and_endpoint(self):
        for oid, status in (('.1.3.6.1.2.1.2.2.1.2.1', 'authorizationError'), ('.1.3.6.1.2.1.2.2.1.2.2', 'noAccess')):
            with self.assertRaises(PanoptesSNMPException) as caught:
                v2('errors').get(oid)
            self.assertNotIsInstance(caught.exception, PanoptesSNMPConnectionException)
            self.assertIn(status, str(caught.exception))
            self.assertIn('127.0.0.1:{}'.format(sim.port), str(caught.exception))
        self.assertEqual(v2('errors').get('.1.3.6.1.2.1.2.2.1.2.3').value, 'readable')

    def assert_times_out_within(self, conn, limit):
        start = time.monotonic()
        with self.assertRaises(PanoptesSNMPTimeoutException) as caught:
            conn.bulk_walk('.1.3.6.1.2.1.2.2.1')
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, limit + 0.5)
        self.assertGreaterEqual(elapsed, limit - 0.2)
        return str(caught.exception)

    def test_an_unanswered_port_times_out_within_timeout_times_tries(self):
        port = free_udp_port()
        message = self.assert_times_out_within(v2(timeout=1, retries=1, port=port), 2.0)
        self.assertIn('127.0.0.1:{}'.format(port), message)
        self.assertIn('timeout 1 s, retries 1', message)
        self.assert_times_out_within(v2(timeout=1, retries=0, port=port), 1.0)

    def test_an_unknown_community_gets_no_answer_and_times_out(self):
        self.assert_times_out_within(v2('no-such-community', timeout=1, retries=0), 1.0)

    def test_a_late_answer_is_a_timeout(self):
        start = time.monotonic()
        with self.assertRaises(PanoptesSNMPTimeoutException):
            v2('errors', timeout=1, retries=0).get('.1.3.6.1.2.1.2.2.1.2.4')
        self.assertLess(time.monotonic() - start, 1.5)

    def test_waits_are_cut_to_what_the_run_time_limit_leaves_then_restored(self):
        from panoptes import _host
        port = free_udp_port()
        conn = v2(timeout=5, retries=1, port=port)  # 10 s of waiting per request
        try:
            _host.run_started, _host.run_time_limit = time.monotonic(), 2.0  # margin 0.5 s: 1.5 s left
            message = self.assert_times_out_within(conn, 1.5)
            self.assertIn('127.0.0.1:{}, timeout 5 s, retries 1; waits cut to'.format(port), message)
            _host.run_started = time.monotonic() - 2.0  # nothing left: no packet is sent
            start = time.monotonic()
            with self.assertRaises(PanoptesSNMPTimeoutException) as caught:
                conn.get('.1.3.6.1.2.1.1.5.0')
            self.assertLess(time.monotonic() - start, 0.1)
            self.assertIn("no time left before the run's time limit (127.0.0.1:{}".format(port), str(caught.exception))
            # A cut connection gets its full waits back once a run has time for them (or no limit,
            # as under panoptes-ctl run).
            answering = v2(timeout=5, retries=1)
            _host.run_started = time.monotonic()
            self.assertEqual(answering.get('.1.3.6.1.2.1.1.5.0').value, 'switch48.lab')
            self.assertLess(answering._easy_snmp_session.timeout, 1)
            _host.run_time_limit = 60.0
            self.assertEqual(answering.get('.1.3.6.1.2.1.1.5.0').value, 'switch48.lab')
            self.assertEqual(answering._easy_snmp_session.timeout, 5)
        finally:
            _host.run_time_limit = None

    def test_bad_arguments_are_assertion_errors(self):
        for args in (('', 161, 1, 1, 'c'), ('h', 0, 1, 1, 'c'), ('h', 65536, 1, 1, 'c'),
                     ('h', 161, 0, 1, 'c'), ('h', 161, 1, -1, 'c'), ('h', 161, 1, 1, ''), ('h', '161', 1, 1, 'c')):
            with self.assertRaises(AssertionError, msg=args):
                PanoptesSNMPV2Connection(*args)
        with self.assertRaises(AssertionError):
            v2().get('1.3.6.1.2.1.1.5.0')  # no leading period
        with self.assertRaises(AssertionError):
            v2().bulk_walk('.1.3.6', max_repetitions=-1)


if __name__ == '__main__':
    unittest.main()
