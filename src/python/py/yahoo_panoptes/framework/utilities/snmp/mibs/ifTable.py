# IF-MIB ifTable (RFC 2863): the column OIDs plugins walk, the ifType names and the status names.
ifTable = '.1.3.6.1.2.1.2.2.1'
ifIndex = ifTable + '.1'
ifDescr = ifTable + '.2'
ifType = ifTable + '.3'
ifMtu = ifTable + '.4'
ifSpeed = ifTable + '.5'
ifPhysAddress = ifTable + '.6'
ifAdminStatus = ifTable + '.7'
ifOperStatus = ifTable + '.8'
ifLastChange = ifTable + '.9'
ifInOctets = ifTable + '.10'
ifInUcastPkts = ifTable + '.11'
ifInDiscards = ifTable + '.13'
ifInErrors = ifTable + '.14'
ifInUnknownProtos = ifTable + '.15'
ifOutOctets = ifTable + '.16'
ifOutUcastPkts = ifTable + '.17'
ifOutDiscards = ifTable + '.19'
ifOutErrors = ifTable + '.20'

# The columns the interface polling plugin reads per interface.
if_table_oids = [ifMtu, ifSpeed, ifAdminStatus, ifPhysAddress, ifOperStatus, ifInErrors, ifOutErrors,
                 ifInDiscards, ifOutDiscards]

# IANAifType-MIB names of ifType values 1..251, in value order.
_IF_TYPE_NAMES = '''
    other regular1822 hdh1822 ddnX25 rfc877x25 ethernetCsmacd iso88023Csmacd iso88024TokenBus
    iso88025TokenRing iso88026Man starLan proteon10Mbit proteon80Mbit hyperchannel fddi lapb
    sdlc ds1 e1 basicISDN primaryISDN propPointToPointSerial ppp softwareLoopback eon
    ethernet3Mbit nsip slip ultra ds3 sip frameRelay rs232 para arcnet arcnetPlus atm miox25
    sonet x25ple iso88022llc localTalk smdsDxi frameRelayService v35 hssi hippi modem aal5
    sonetPath sonetVT smdsIcip propVirtual propMultiplexor ieee80212 fibreChannel hippiInterface
    frameRelayInterconnect aflane8023 aflane8025 cctEmul fastEther isdn v11 v36 g703at64k
    g703at2mb qllc fastEtherFX channel ieee80211 ibm370parChan escon dlsw isdns isdnu lapd
    ipSwitch rsrb atmLogical ds0 ds0Bundle bsc async cnr iso88025Dtr eplrs arap propCnls hostPad
    termPad frameRelayMPI x213 adsl radsl sdsl vdsl iso88025CRFPInt myrinet voiceEM voiceFXO
    voiceFXS voiceEncap voiceOverIp atmDxi atmFuni atmIma pppMultilinkBundle ipOverCdlc
    ipOverClaw stackToStack virtualIpAddress mpc ipOverAtm iso88025Fiber tdlc gigabitEthernet
    hdlc lapf v37 x25mlp x25huntGroup transpHdlc interleave fast ip docsCableMaclayer
    docsCableDownstream docsCableUpstream a12MppSwitch tunnel coffee ces atmSubInterface l2vlan
    l3ipvlan l3ipxvlan digitalPowerline mediaMailOverIp dtm dcn ipForward msdsl ieee1394 if-gsn
    dvbRccMacLayer dvbRccDownstream dvbRccUpstream atmVirtual mplsTunnel srp voiceOverAtm
    voiceOverFrameRelay idsl compositeLink ss7SigLink propWirelessP2P frForward rfc1483 usb
    ieee8023adLag bgppolicyaccounting frf16MfrBundle h323Gatekeeper h323Proxy mpls mfSigLink
    hdsl2 shdsl ds1FDL pos dvbAsiIn dvbAsiOut plc nfas tr008 gr303RDT gr303IDT isup
    propDocsWirelessMaclayer propDocsWirelessDownstream propDocsWirelessUpstream hiperlan2
    propBWAp2Mp sonetOverheadChannel digitalWrapperOverheadChannel aal2 radioMAC atmRadio imt
    mvl reachDSL frDlciEndPt atmVciEndPt opticalChannel opticalTransport propAtm voiceOverCable
    infiniband teLink q2931 virtualTg sipTg sipSig docsCableUpstreamChannel econet pon155 pon622
    bridge linegroup voiceEMFGD voiceFGDEANA voiceDID mpegTransport sixToFour gtp pdnEtherLoop1
    pdnEtherLoop2 opticalChannelGroup homepna gfp ciscoISLvlan actelisMetaLOOP fcipLink rpr qam
    lmp cblVectaStar docsCableMCmtsDownstream adsl2 macSecControlledIF macSecUncontrolledIF
    aviciOpticalEther atmbond voiceFGDOS mocaVersion1 ieee80216WMAN adsl2plus dvbRcsMacLayer
    dvbTdm dvbRcsTdma x86Laps wwanPP wwanPP2 voiceEBS ifPwType ilan pip aluELP gpon vdsl2
'''.split()
ifTypeEnum = [(name, value) for value, name in enumerate(_IF_TYPE_NAMES, start=1)]

# ifAdminStatus / ifOperStatus values (as the agent's text) and their names.
if_status_code = {'1': 'up', '2': 'down', '3': 'testing', '4': 'unknown', '5': 'dormant', '6': 'notPresent',
                  '7': 'lowerLayerDown'}


def getIfTypeDesc(ifType):
    """The IANA name of an ifType value (int or text); IndexError outside 1..251, as the original."""
    return _IF_TYPE_NAMES[int(ifType) - 1]


def getIfStatus(ifStatus):
    """The name of an interface status value given as text ('1' -> 'up'); None when unknown."""
    return if_status_code.get(ifStatus)
