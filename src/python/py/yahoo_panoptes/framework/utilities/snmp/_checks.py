# Argument checks of the SNMP modules (the original used `assert`, so failures are AssertionError
# with the same messages; raised explicitly so that python -O cannot disable them).
import numbers
import os
import re

_NUMERIC_OID = re.compile(r'^(\.\d+)+$')


def require(condition, message):
    if not condition:
        raise AssertionError(message)


def valid_nonempty_string(value):
    return isinstance(value, str) and len(value) > 0


def valid_numeric_oid(value):
    return isinstance(value, str) and _NUMERIC_OID.match(value) is not None


def _integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def valid_positive_integer(value):
    """0 or more (the original's name for it)."""
    return _integer(value) and value >= 0


def valid_nonzero_integer(value):
    return _integer(value) and value > 0


def valid_port(value):
    return _integer(value) and 0 < value < 65536


def valid_readable_file(value):
    return isinstance(value, str) and os.path.isfile(value) and os.access(value, os.R_OK)
