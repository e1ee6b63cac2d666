/** DNS analyzer: UDP and TCP messages through dns-packet, queries paired with responses. */
export { answerText, DnsTracker, type DnsOptions, MAX_PENDING, MAX_TRANSACTIONS, rcodeName, RETRANSMIT_WINDOW } from './tracker.js';
export { DnsLayer, isDnsPort } from './layer.js';
