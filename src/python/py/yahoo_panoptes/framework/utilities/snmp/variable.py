# One variable binding as plugins see it: `oid` is the OID that was asked for (the walked subtree),
# `index` the rest of the answered OID below it (e.g. '9.1.0.0' under jnxOperatingCPU), `value`
# and `snmp_type` as the SNMP library gave them (values are text; Counter64 too).
from yahoo_panoptes_snmp.compat import urepr
from yahoo_panoptes_snmp.utils import strip_non_printable  # noqa: F401 (the original exported it)

from yahoo_panoptes.framework.utilities.snmp._checks import require, valid_nonempty_string, valid_numeric_oid


class PanoptesSNMPVariable(object):
    def __init__(self, queried_oid, oid, index, value, snmp_type):
        require(valid_numeric_oid(str(queried_oid)), 'queried_oid must be numeric string with a leading period')
        require(valid_numeric_oid(str(oid)), 'oid must be numeric string with a leading period')
        require(valid_nonempty_string(str(index)), 'index must be None or a non-empty string')
        require(valid_nonempty_string(str(snmp_type)), 'snmp_type must be a non-empty string')
        self._queried_oid = queried_oid
        self._index = self._normalize_index(oid, index, queried_oid)
        self._value = value
        self._snmp_type = snmp_type

    @staticmethod
    def _normalize_index(oid, index, queried_oid):
        # The library splits an answered OID into (all but the last component, last component);
        # below a queried subtree the index is everything after the queried OID.
        if oid[:len(queried_oid)] != oid:
            return '{}.{}'.format(oid[len(queried_oid) + 1:], index)
        return index

    @property
    def oid(self):
        return self._queried_oid

    @property
    def index(self):
        return self._index

    @property
    def value(self):
        return self._value

    @property
    def snmp_type(self):
        return self._snmp_type

    def __repr__(self):
        value = self._value.decode('ascii', 'backslashreplace') if hasattr(self._value, 'decode') else self._value
        return '<{0} value={1} (oid={2}, index={3}, snmp_type={4})>'.format(
            type(self).__name__, urepr(value), urepr(self.oid), urepr(self._index), urepr(self._snmp_type))
