/** DNS analyzer: UDP and TCP messages through dns-packet, queries paired with responses. */
export { answerText, DnsTracker, type DnsOptions, MAX_PENDING, MAX_TRANSACTIONS, rcodeName, RETRANSMIT_WINDOW } from './tracker.js';

/** Ports where DNS is decoded: DNS (53), mDNS (5353, RFC 6762), LLMNR (5355, RFC 4795). */
export function isDnsPort(port: number): boolean {
  return port === 53 || port === 5353 || port === 5355;
}
