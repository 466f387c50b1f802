# SNMP for plugins, as the original Panoptes' framework.utilities.snmp: connection (sessions and the
# [snmp]/[x509] configuration of a plugin), variable (one answered OID), exceptions, mibs (OIDs).
