# yahoo_panoptes_snmp: the import name of Yahoo's fork of easysnmp, which the original Panoptes used,
# provided on top of Debian's easysnmp (0.2.6). The names the fork exported are here; Session adds
# the fork's `transport` argument and `bulk_walk`. Every difference from the fork is listed in
# docs/plugin-api.md ("SNMP").
from yahoo_panoptes_snmp.easy import (  # noqa: F401
    snmp_get, snmp_set, snmp_set_multiple, snmp_get_next, snmp_get_bulk, snmp_walk, snmp_bulkwalk, snmp_bulk_walk)
from yahoo_panoptes_snmp.exceptions import (  # noqa: F401
    EasySNMPError, EasySNMPConnectionError, EasySNMPTimeoutError, EasySNMPUnknownObjectIDError,
    EasySNMPNoSuchNameError, EasySNMPNoSuchObjectError, EasySNMPNoSuchInstanceError,
    EasySNMPUndeterminedTypeError)
from yahoo_panoptes_snmp.session import Session  # noqa: F401
from yahoo_panoptes_snmp.variables import SNMPVariable  # noqa: F401
