# Small predicates used by the result types' constructors (as the original's PanoptesValidators).
import numbers
import re

VALID_KEY = re.compile(r"^[^\d\W]\w*\Z")
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
    """The original's validator class, for plugins that use it."""

    valid_nonempty_string = staticmethod(valid_nonempty_string)
    valid_number = staticmethod(valid_number)
    valid_nonzero_integer = staticmethod(valid_nonzero_integer)

    @staticmethod
    def valid_positive_integer(value):
        return type(value) is int and value > -1

    @staticmethod
    def valid_none_or_string(value):
        return value is None or valid_nonempty_string(value)

    valid_none_or_nonempty_string = valid_none_or_string

    @staticmethod
    def valid_port(value):
        return type(value) is int and 0 < value < 65536

    @staticmethod
    def valid_callback(value):
        return bool(value) and callable(value)
