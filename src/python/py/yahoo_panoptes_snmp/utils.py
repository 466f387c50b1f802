# As the fork's utils module: strip_non_printable, tostr.
from easysnmp.utils import strip_non_printable, tostr  # noqa: F401
