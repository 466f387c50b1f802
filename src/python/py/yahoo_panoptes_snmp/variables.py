# As the fork's variables module: SNMPVariable (what every request returns) and SNMPVariableList.
from easysnmp.variables import SNMPVariable, SNMPVariableList  # noqa: F401
