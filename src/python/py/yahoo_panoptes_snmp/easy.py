# The fork's one-shot helpers (snmp_get, ...): each opens a Session with the keyword arguments
# given and runs one request. snmp_bulk_walk is the fork's walk; snmp_bulkwalk is easysnmp's.
from yahoo_panoptes_snmp.session import Session


def snmp_get(oids, **session_kargs):
    return Session(**session_kargs).get(oids)


def snmp_set(oid, value, type=None, **session_kargs):
    return Session(**session_kargs).set(oid, value, type)


def snmp_set_multiple(oid_values, **session_kargs):
    return Session(**session_kargs).set_multiple(oid_values)


def snmp_get_next(oids, **session_kargs):
    return Session(**session_kargs).get_next(oids)


def snmp_get_bulk(oids, non_repeaters, max_repetitions, **session_kargs):
    return Session(**session_kargs).get_bulk(oids, non_repeaters, max_repetitions)


def snmp_walk(oids='.1.3.6.1.2.1', **session_kargs):
    return Session(**session_kargs).walk(oids)


def snmp_bulkwalk(oids='.1.3.6.1.2.1', non_repeaters=0, max_repetitions=10, **session_kargs):
    return Session(**session_kargs).bulkwalk(oids, non_repeaters, max_repetitions)


def snmp_bulk_walk(oids, non_repeaters=0, max_repetitions=10, **session_kargs):
    return Session(**session_kargs).bulk_walk(oids, non_repeaters, max_repetitions)
