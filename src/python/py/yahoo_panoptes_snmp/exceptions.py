# The very classes of easysnmp.exceptions (not copies), so that `except` clauses written against
# either name catch what the C interface raises.
from easysnmp.exceptions import (  # noqa: F401
    EasySNMPError, EasySNMPConnectionError, EasySNMPTimeoutError, EasySNMPUnknownObjectIDError,
    EasySNMPNoSuchNameError, EasySNMPNoSuchObjectError, EasySNMPNoSuchInstanceError,
    EasySNMPUndeterminedTypeError)
