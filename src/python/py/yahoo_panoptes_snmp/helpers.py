# As the fork's helpers module: normalize_oid and its OID_INDEX_RE.
from easysnmp.helpers import OID_INDEX_RE, normalize_oid  # noqa: F401
