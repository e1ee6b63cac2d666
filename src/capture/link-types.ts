/**
 * LINKTYPE_* values (https://www.tcpdump.org/linktypes.html) with the
 * libpcap DLT name tcpdump prints ("EN10MB") and the description Wireshark
 * uses for the encapsulation ("Ethernet"). Unknown values keep their number.
 */
export const LINK_TYPES: Readonly<Record<number, readonly [dlt: string, description: string]>> = {
  0: ['NULL', 'NULL/Loopback'],
  1: ['EN10MB', 'Ethernet'],
  6: ['IEEE802', 'Token Ring'],
  8: ['SLIP', 'SLIP'],
  9: ['PPP', 'PPP'],
  10: ['FDDI', 'FDDI'],
  12: ['RAW', 'Raw IP'],
  14: ['RAW', 'Raw IP'],
  50: ['PPP_HDLC', 'PPP in HDLC-like framing'],
  51: ['PPP_ETHER', 'PPPoE'],
  100: ['ATM_RFC1483', 'RFC 1483 ATM'],
  101: ['RAW', 'Raw IP'],
  104: ['C_HDLC', 'Cisco HDLC'],
  105: ['IEEE802_11', 'IEEE 802.11 Wireless LAN'],
  107: ['FRELAY', 'Frame Relay'],
  108: ['LOOP', 'OpenBSD loopback'],
  113: ['LINUX_SLL', 'Linux cooked-mode capture v1'],
  119: ['PRISM_HEADER', 'IEEE 802.11 plus Prism II monitor mode radio header'],
  127: ['IEEE802_11_RADIO', 'IEEE 802.11 plus radiotap radio header'],
  138: ['APPLE_IP_OVER_IEEE1394', 'Apple IP-over-IEEE 1394'],
  143: ['DOCSIS', 'DOCSIS'],
  163: ['IEEE802_11_RADIO_AVS', 'IEEE 802.11 plus AVS radio header'],
  189: ['USB_LINUX', 'USB packets with Linux header'],
  192: ['PPI', 'Per-Packet Information header'],
  195: ['IEEE802_15_4_WITHFCS', 'IEEE 802.15.4 Wireless PAN'],
  201: ['BLUETOOTH_HCI_H4_WITH_PHDR', 'Bluetooth H4 with linux header'],
  215: ['IEEE802_15_4_NONASK_PHY', 'IEEE 802.15.4 Wireless PAN non-ASK PHY'],
  220: ['USB_LINUX_MMAPPED', 'USB packets with Linux header and padding'],
  228: ['IPV4', 'Raw IPv4'],
  229: ['IPV6', 'Raw IPv6'],
  231: ['DBUS', 'D-Bus'],
  249: ['USBPCAP', 'USB packets with USBPcap header'],
  251: ['BLUETOOTH_LE_LL', 'Bluetooth Low Energy Link Layer'],
  252: ['WIRESHARK_UPPER_PDU', 'Wireshark Upper PDU export'],
  253: ['NETLINK', 'Linux Netlink'],
  254: ['BLUETOOTH_LINUX_MONITOR', 'Bluetooth Linux Monitor'],
  256: ['BLUETOOTH_LE_LL_WITH_PHDR', 'Bluetooth Low Energy Link Layer RF'],
  263: ['ETW', 'Event Tracing for Windows messages'],
  274: ['NORDIC_BLE', 'nRF Sniffer for Bluetooth LE'],
  276: ['LINUX_SLL2', 'Linux cooked-mode capture v2'],
  281: ['DSA_TAG_BRCM', 'Broadcom tag'],
  282: ['DSA_TAG_BRCM_PREPEND', 'Broadcom tag (prepended)'],
  284: ['DSA_TAG_DSA', 'Marvell DSA'],
  285: ['DSA_TAG_EDSA', 'Marvell EDSA'],
};

/** "Ethernet (1)" — the description Wireshark would show, with the number. */
export function linkTypeDescription(lt: number): string {
  const e = LINK_TYPES[lt];
  return e ? `${e[1]} (${lt})` : `unknown link type (${lt})`;
}

/** "EN10MB" — tcpdump's name, or "LINKTYPE_n" when unknown. */
export function linkTypeName(lt: number): string {
  return LINK_TYPES[lt]?.[0] ?? `LINKTYPE_${lt}`;
}
