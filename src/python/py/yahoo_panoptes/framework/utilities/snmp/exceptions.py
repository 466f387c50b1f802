# The SNMP errors a plugin sees, with the original's names and hierarchy: every one is a
# PanoptesSNMPException (a PanoptesBaseException); a timeout is also a connection error.
from yahoo_panoptes.framework.exceptions import PanoptesBaseException


class PanoptesSNMPException(PanoptesBaseException):
    """Any SNMP failure."""


class PanoptesSNMPConnectionException(PanoptesSNMPException):
    """The agent could not be reached (or the session could not be opened)."""


class PanoptesSNMPTimeoutException(PanoptesSNMPConnectionException):
    """No answer within timeout x (retries + 1)."""


class PanoptesSNMPUnknownObjectIDException(PanoptesSNMPException):
    """The OID could not be parsed or is unknown."""


class PanoptesSNMPNoSuchNameException(PanoptesSNMPException):
    """noSuchName error status (SNMPv1 agents)."""


class PanoptesSNMPNoSuchObjectException(PanoptesSNMPException):
    """noSuchObject: the agent implements no such object."""


class PanoptesSNMPNoSuchInstanceException(PanoptesSNMPException):
    """noSuchInstance: the object exists, that index does not."""


class PanoptesSNMPUndeterminedTypeException(PanoptesSNMPException):
    """The type of a value to set could not be determined."""
