/**
 * The part of dns-packet (RFC 1035 message codec, plain JavaScript, no types
 * shipped) that the DNS analyzer uses. `decode` throws on malformed input;
 * the analyzer catches at its boundary.
 */
declare module 'dns-packet' {
  export interface DnsQuestion { name: string; type: string; class: string }
  export interface DnsAnswer {
    name: string;
    type: string;
    class?: string;
    ttl?: number;
    /** Shape depends on type: string (A, AAAA, CNAME, NS, PTR), Buffer[] (TXT), objects (MX, SRV, SOA, CAA), Buffer (unknown). */
    data?: unknown;
  }
  export interface DnsPacket {
    id: number;
    type: 'query' | 'response';
    flags: number;
    rcode: string;
    opcode: string;
    questions: DnsQuestion[];
    answers: DnsAnswer[];
    authorities: DnsAnswer[];
    additionals: DnsAnswer[];
  }
  /** dns-packet's decoders report the bytes they consumed on a `bytes` property of the function. */
  interface Decoder<T> { (buf: Buffer, offset?: number): T; bytes: number }
  const dnsPacket: {
    decode: Decoder<DnsPacket>;
    question: { decode: Decoder<DnsQuestion> };
    answer: { decode: Decoder<DnsAnswer> };
  };
  export default dnsPacket;
}
