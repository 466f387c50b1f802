# JUNIPER-MIB (enterprise 2636) objects: the jnxOperatingTable (per component: description, state,
# temperature, CPU, buffer/heap/memory use, load averages) and the SRX SPU CPU usage.
from yahoo_panoptes.framework.utilities.snmp.mibs.base import (SNMPGauge32, SNMPInteger, SNMPInteger32,  # noqa: F401
                                                              SNMPString, oid)
from yahoo_panoptes.framework.utilities.snmp.mibs.snmpv2 import MibSNMPV2


class MibJuniper(MibSNMPV2):
    juniperMIB = oid('.1.3.6.1.4.1.2636')
    jnxMibs = juniperMIB + oid('3')
    jnxBoxAnatomy = jnxMibs + oid('1')
    jnxOperatingTable = jnxBoxAnatomy + oid('13')
    jnxOperatingEntry = jnxOperatingTable + oid('1')
    jnxOperatingContentsIndex = jnxOperatingEntry + oid('1', SNMPInteger32)
    jnxOperatingL1Index = jnxOperatingEntry + oid('2', SNMPInteger)
    jnxOperatingDescr = jnxOperatingEntry + oid('5', SNMPString)
    jnxOperatingState = jnxOperatingEntry + oid('6', SNMPInteger)
    jnxOperatingTemp = jnxOperatingEntry + oid('7', SNMPGauge32)
    jnxOperatingCPU = jnxOperatingEntry + oid('8', SNMPGauge32)
    jnxOperatingBuffer = jnxOperatingEntry + oid('11', SNMPGauge32)
    jnxOperatingHeap = jnxOperatingEntry + oid('12', SNMPGauge32)
    jnxOperatingMemory = jnxOperatingEntry + oid('15', SNMPGauge32)
    jnxOperating1MinLoadAvg = jnxOperatingEntry + oid('20', SNMPGauge32)
    jnxOperating5MinLoadAvg = jnxOperatingEntry + oid('21', SNMPGauge32)
    jnxOperating15MinLoadAvg = jnxOperatingEntry + oid('22', SNMPGauge32)
    jnxOperating1MinAvgCPU = jnxOperatingEntry + oid('23', SNMPGauge32)
    jnxOperating5MinAvgCPU = jnxOperatingEntry + oid('24', SNMPGauge32)
    jnxOperating15MinAvgCPU = jnxOperatingEntry + oid('25', SNMPGauge32)
    jnxJsSPUMonitoringCPUUsage = juniperMIB + oid('3.39.1.12')
