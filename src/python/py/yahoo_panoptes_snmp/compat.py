# As the fork's compat module (Python 3 only here): urepr, ub, text_type, NullHandler.
from easysnmp.compat import PY3, NullHandler, text_type, ub, urepr  # noqa: F401
