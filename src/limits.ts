/**
 * Every limit that bounds what hostile input can make synack hold or do, in
 * one list: its default (read from the constant that enforces it, so this
 * list cannot drift from the code), where it is configured, what happens
 * when it is hit, and the marker that says so. The limits themselves live
 * with the code they bound; this module only documents them (the README's
 * hardening table is printed from it: `node test/fuzz/limits-table.mjs`).
 *
 * Markers are anomaly names from src/decode/anomalies.ts: on the frame
 * (`packets` line, layer tree, timeline row) for decoder and connection
 * limits, as an application event (timeline, dashboard) for reassembly and
 * parser limits; reader limits are reader problems (stderr, `info`).
 */
import { DEFAULT_HTTP_LIMITS, MAX_DECODE_FAILURES } from './analyzers/http/parser.js';
import { MAX_DECODE_RATIO } from './analyzers/http/tx.js';
import { HPACK_TABLE_MAX, MAX_HEADER_BLOCK, MAX_STREAMS } from './analyzers/http2/parser.js';
import { DEFAULT_REASSEMBLY_LIMITS } from './analyzers/reassembly.js';
import { MAX_PENDING, MAX_TRANSACTIONS } from './analyzers/dns/tracker.js';
import { MAX_CRYPTO_BUFFER, MAX_FLOWS as QUIC_MAX_FLOWS } from './analyzers/quic/tracker.js';
import { MAX_CERTIFICATE_BYTES, MAX_HELLO_BYTES } from './analyzers/tls/handshake.js';
import { MAX_RECORD_LENGTH } from './analyzers/tls/parser.js';
import { DEFAULT_WINDOW } from './capture/byte-window.js';
import { MAX_BLOCK } from './capture/pcapng.js';
import { PER_KIND_LIMIT } from './capture/problems.js';
import { MAX_CAPLEN } from './capture/reader-base.js';
import { MAX_ANOMALIES, MAX_LAYERS } from './decode/decoded.js';
import { DEFAULT_DEFRAG_LIMITS } from './decode/defrag.js';
import { DEFAULT_LIMITS } from './decode/stack.js';

export interface LimitDoc {
  /** Name as configured (option or constant). */
  name: string;
  /** Default value, with its unit. */
  value: string;
  /** Where it is set: an option (and of what) or a constant in a file. */
  where: string;
  /** What happens when it is hit. */
  onHit: string;
  /** Anomaly name(s) or reader problem kind that mark the cut; '' when nothing is cut. */
  marker: string;
}

const KiB = 1024;
const MiB = 1024 * 1024;
const bytes = (n: number): string => (n % MiB === 0 ? `${n / MiB} MiB` : n % KiB === 0 ? `${n / KiB} KiB` : `${n} bytes`);
const count = (n: number): string => n.toLocaleString('en-US');
const R = DEFAULT_REASSEMBLY_LIMITS;
const H = DEFAULT_HTTP_LIMITS;
const D = DEFAULT_DEFRAG_LIMITS;

export const LIMITS: readonly LimitDoc[] = [
  // ---- reading files
  { name: 'MAX_CAPLEN', value: bytes(MAX_CAPLEN), where: 'src/capture/reader-base.ts', onHit: 'a record (pcap) or packet block (pcapng) claiming more is not trusted: reading stops there, nothing is allocated for it', marker: 'reader problem over-long (fatal)' },
  { name: 'MAX_BLOCK', value: bytes(MAX_BLOCK), where: 'src/capture/pcapng.ts', onHit: 'a pcapng block claiming more stops reading there', marker: 'reader problem bad-block (fatal)' },
  { name: 'windowSize', value: bytes(DEFAULT_WINDOW), where: 'openCapture option', onHit: 'read buffer; grows for a larger record or block, never past 64 MiB (records are at most MAX_CAPLEN, blocks MAX_BLOCK)', marker: '' },
  { name: 'PER_KIND_LIMIT', value: count(PER_KIND_LIMIT), where: 'src/capture/problems.ts', onHit: 'reader problems of one kind listed one by one; the rest are counted in one summary line', marker: 'reader problem (summary)' },
  // ---- decoding
  { name: 'maxVlanTags', value: count(DEFAULT_LIMITS.maxVlanTags), where: 'FrameDecoder option limits', onHit: 'decoding stops at the next tag; the frame keeps what was decoded', marker: 'too_many_vlan_tags' },
  { name: 'maxIpv6ExtHeaders', value: count(DEFAULT_LIMITS.maxIpv6ExtHeaders), where: 'FrameDecoder option limits', onHit: 'decoding stops at the next extension header', marker: 'ipv6_too_many_ext' },
  { name: 'maxIpLayers', value: count(DEFAULT_LIMITS.maxIpLayers), where: 'FrameDecoder option limits', onHit: 'tunnels (IP-in-IP, GRE) deeper than this are not decoded', marker: 'encapsulation_limit' },
  { name: 'MAX_LAYERS', value: count(MAX_LAYERS), where: 'src/decode/decoded.ts', onHit: 'the layer list is full; decoding stops', marker: 'too_many_layers' },
  { name: 'MAX_ANOMALIES', value: `${count(MAX_ANOMALIES)} per frame`, where: 'src/decode/decoded.ts', onHit: 'later anomalies of the frame replace the last one kept', marker: '' },
  // ---- IP reassembly
  { name: 'maxDatagrams', value: count(D.maxDatagrams), where: 'FrameDecoder option defragLimits', onHit: 'the oldest pending datagram is dropped', marker: 'fragment_limit' },
  { name: 'maxBytes', value: bytes(D.maxBytes), where: 'FrameDecoder option defragLimits', onHit: 'the oldest pending datagrams are dropped until the new fragment fits (refused if it still does not)', marker: 'fragment_limit' },
  { name: 'maxFragmentsPerDatagram', value: count(D.maxFragmentsPerDatagram), where: 'FrameDecoder option defragLimits', onHit: 'further fragments of the datagram are refused', marker: 'fragment_limit' },
  { name: 'timeoutV4 / timeoutV6', value: `${D.timeoutV4} s / ${D.timeoutV6} s of packet time`, where: 'FrameDecoder option defragLimits', onHit: 'an incomplete datagram is dropped (Linux ipfrag_time, RFC 8200)', marker: '' },
  { name: 'datagram size', value: '65,535 bytes', where: 'RFC 791 / RFC 8200 (src/decode/defrag.ts)', onHit: 'a fragment reaching beyond is refused', marker: 'fragment_too_big' },
  // ---- connections
  { name: 'maxConnections', value: count(100_000), where: 'Analysis option', onHit: 'live TCP table full: the oldest eighth is evicted, half-open first, then closed, then idle; evicted connections keep their summary and every count stays exact (stats.evicted)', marker: 'conn_table_limit' },
  { name: 'maxUdpFlows', value: count(100_000), where: 'Analysis option', onHit: 'live UDP table full: the oldest idle eighth is evicted (stats.evicted)', marker: '' },
  { name: 'closedTimeout', value: '30 s of packet time', where: 'Analysis option', onHit: 'a closed connection leaves the live table (a new SYN on its tuple starts a new one)', marker: '' },
  { name: 'idleTimeout / udpIdleTimeout', value: 'none / 120 s of packet time', where: 'Analysis option', onHit: 'an idle connection / flow leaves the live table', marker: '' },
  { name: 'maxTimelineRecords', value: 'all (live capture: set)', where: 'Analysis option', onHit: 'the oldest timeline rows are dropped 65,536 at a time; connections keep their newest rows', marker: '' },
  // ---- stream reassembly
  { name: 'maxBufferedPerDir', value: bytes(R.maxBufferedPerDir), where: 'createAppLayer option reassembly', onHit: 'out-of-order bytes beyond: the oldest hole is declared a gap; parsers resynchronise', marker: 'stream_buffer_limit, stream_gap' },
  { name: 'maxBlocksPerDir', value: count(R.maxBlocksPerDir), where: 'createAppLayer option reassembly', onHit: 'as above, counted in out-of-order pieces', marker: 'stream_buffer_limit' },
  { name: 'maxBufferedTotal', value: bytes(R.maxBufferedTotal), where: 'createAppLayer option reassembly', onHit: 'as above, over all connections', marker: 'stream_buffer_limit' },
  { name: 'maxStoredPerConn / maxStoredTotal', value: `${bytes(R.maxStoredPerConn)} / ${bytes(R.maxStoredTotal)}`, where: 'createAppLayer option reassembly', onHit: 'follow-stream keeps only the first bytes; later retransmissions can no longer be compared with the first copy', marker: 'stream_buffer_limit' },
  // ---- application layer
  { name: 'maxEvents', value: count(2_000_000), where: 'createAppLayer option', onHit: 'later application events are counted, not kept', marker: 'app_limit' },
  { name: 'maxEventBytes', value: bytes(64 * MiB), where: 'createAppLayer option', onHit: 'event objects (all but HTTP) past this estimated memory are counted, not kept', marker: 'app_limit' },
  { name: 'maxDetectSegments', value: count(1024), where: 'createAppLayer option', onHit: 'a connection whose first segments match no protocol is left unlabelled', marker: '' },
  // ---- HTTP/1.x
  { name: 'maxLineBytes', value: bytes(H.maxLineBytes), where: 'createAppLayer option http', onHit: 'the message head is skipped; the parser resynchronises at the next message', marker: 'app_limit' },
  { name: 'maxHeaders', value: count(H.maxHeaders), where: 'createAppLayer option http', onHit: 'as above', marker: 'app_limit' },
  { name: 'maxHeadBytes', value: bytes(H.maxHeadBytes), where: 'createAppLayer option http', onHit: 'as above (also chunk trailers)', marker: 'app_limit' },
  { name: 'maxDecodeInputBytes', value: bytes(H.maxDecodeInputBytes), where: 'createAppLayer option http', onHit: 'a larger compressed body is not decoded (decoded size unknown, noted)', marker: '' },
  { name: 'maxDecodedBytes', value: bytes(H.maxDecodedBytes), where: 'createAppLayer option http', onHit: 'decoding stops; the body is noted as not decodable', marker: '' },
  { name: 'MAX_DECODE_RATIO', value: `${MAX_DECODE_RATIO}× the body + 64 KiB`, where: 'src/analyzers/http/tx.ts', onHit: 'decompression bombs: decoding stops (DEFLATE cannot exceed 1032:1, so gzip/deflate are never cut)', marker: '' },
  { name: 'MAX_DECODE_FAILURES', value: count(MAX_DECODE_FAILURES), where: 'src/analyzers/http/parser.ts', onHit: 'after this many bodies that could not be decoded, content decoding stops for the capture', marker: 'app_limit' },
  { name: 'keepBodyBytes / keepBodiesTotal', value: `${H.keepBodyBytes} (HAR: 1 MiB) / ${bytes(H.keepBodiesTotal)}`, where: 'createAppLayer option http', onHit: 'bodies beyond are not kept for HAR/display (noted)', marker: '' },
  { name: 'headArenaBytes', value: bytes(H.headArenaBytes), where: 'createAppLayer option http', onHit: 'raw heads beyond are not kept (header display/HAR show what was parsed)', marker: '' },
  { name: 'maxPausedBytes', value: bytes(H.maxPausedBytes), where: 'createAppLayer option http', onHit: 'client bytes held while an Upgrade/CONNECT request waits for its answer; beyond, they are not kept', marker: '' },
  // ---- HTTP/2, TLS, DNS, QUIC
  { name: 'MAX_HEADER_BLOCK', value: bytes(MAX_HEADER_BLOCK), where: 'src/analyzers/http2/parser.ts', onHit: 'HPACK decoding stops for the connection (its table can no longer be followed)', marker: 'app_limit' },
  { name: 'HPACK_TABLE_MAX', value: bytes(HPACK_TABLE_MAX), where: 'src/analyzers/http2/parser.ts', onHit: 'a larger table size update is a decoding error', marker: 'app_parse_error' },
  { name: 'MAX_STREAMS', value: `${count(MAX_STREAMS)} per connection`, where: 'src/analyzers/http2/parser.ts', onHit: 'later streams get events but are not tracked', marker: 'app_limit' },
  { name: 'MAX_HELLO_BYTES / MAX_CERTIFICATE_BYTES', value: `${bytes(MAX_HELLO_BYTES)} / ${bytes(MAX_CERTIFICATE_BYTES)}`, where: 'src/analyzers/tls/handshake.ts', onHit: 'the message is skipped, not parsed', marker: 'app_limit' },
  { name: 'MAX_RECORD_LENGTH', value: `${count(MAX_RECORD_LENGTH)} bytes (RFC 5246 §6.2.3)`, where: 'src/analyzers/tls/parser.ts', onHit: 'a longer TLS record is malformed; the rest of that direction is not parsed', marker: 'app_parse_error' },
  { name: 'MAX_PENDING / MAX_TRANSACTIONS', value: `${count(MAX_PENDING)} / ${count(MAX_TRANSACTIONS)}`, where: 'src/analyzers/dns/tracker.ts', onHit: 'the oldest open query is closed as unanswered / later transactions are not kept', marker: 'app_limit (transactions)' },
  { name: 'MAX_CRYPTO_BUFFER / MAX_FLOWS', value: `${bytes(MAX_CRYPTO_BUFFER)} / ${count(QUIC_MAX_FLOWS)}`, where: 'src/analyzers/quic/tracker.ts', onHit: 'out-of-order CRYPTO data beyond is not reassembled / the oldest QUIC flow is forgotten', marker: 'app_limit (CRYPTO)' },
];
