# yahoo_panoptes.framework.validators: PanoptesValidators (the predicates the original's plugins and
# result types use, with the original's results) and the module-level predicates the embedded result
# types call directly (cheaper than a classmethod call on the hot path).
import logging
import numbers
import os
import re
import time

VALID_KEY = re.compile(r"^[^\d\W]\w*\Z")
NUMERIC_OID = re.compile(r'\.(\d+)(\.\d+)*')
_match_key = VALID_KEY.match


def check(condition, message):
    # The original used `assert`; raise explicitly so that python -O cannot disable validation.
    if not condition:
        raise AssertionError(message)


def valid_nonempty_string(value):
    return isinstance(value, str) and len(value) > 0


def valid_number(value):
    t = type(value)
    if t is int or t is float:
        return True
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def valid_nonzero_integer(value):
    return type(value) is int and value > 0


def valid_key(value):
    return _match_key(value) is not None


class PanoptesValidators(object):
    """Predicates returning True/False (a few return the truthy value itself, as the original)."""

    @classmethod
    def valid_logger(cls, logger):
        return isinstance(logger, logging.Logger)

    @classmethod
    def valid_callback(cls, callback):
        return callback and hasattr(callback, '__call__')

    @classmethod
    def valid_hashable_object(cls, object_to_check):
        return hasattr(object_to_check, '__hash__') and object_to_check.__hash__

    @classmethod
    def valid_port(cls, port):
        return type(port) is int and 0 < port < 65536

    @classmethod
    def valid_number(cls, value):
        return valid_number(value)

    @classmethod
    def valid_nonzero_integer(cls, value):
        return valid_nonzero_integer(value)

    @classmethod
    def valid_positive_integer(cls, value):
        # 0 counts as positive, as in the original.
        return type(value) is int and value > -1

    @classmethod
    def valid_nonempty_string(cls, value):
        return valid_nonempty_string(value)

    @classmethod
    def valid_none_or_string(cls, value):
        return value is None or valid_nonempty_string(value)

    @classmethod
    def valid_none_or_nonempty_string(cls, value):
        return value is None or valid_nonempty_string(value)

    @classmethod
    def valid_readable_path(cls, path):
        try:
            return bool(os.path.isdir(path) and os.access(path, os.R_OK))
        except Exception:
            return False

    @classmethod
    def valid_readable_file(cls, filename):
        try:
            return bool(os.path.isfile(filename) and os.access(filename, os.R_OK))
        except Exception:
            return False

    @classmethod
    def valid_nonempty_iterable_of_strings(cls, value):
        return (hasattr(value, '__iter__') and hasattr(value, '__len__') and not isinstance(value, str)
                and len(value) > 0 and all(valid_nonempty_string(v) for v in value))

    @classmethod
    def valid_timestamp(cls, timestamp, max_age=604800, max_skew=60):
        """A Unix time (int or float) at most max_age seconds old and at most max_skew ahead."""
        if not (type(timestamp) in (int, float) and type(max_age) in (int, float)
                and type(max_skew) in (int, float)):
            return False
        now = time.time()
        return now - max_age <= timestamp <= now + max_skew

    @classmethod
    def valid_numeric_snmp_oid(cls, oid):
        return bool(NUMERIC_OID.match(oid))
