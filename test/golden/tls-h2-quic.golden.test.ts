/**
 * TLS SNI/ALPN, HTTP/2 frames and QUIC long headers against tshark 4.0 on
 * every corpus file (expected/FILE.app.tsv; for ndpi-http2.pcapng the
 * decode-as-http2 variant, since tshark needs to be told h2c is on port 29518).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAPTURES, collectFacts, readTsv } from './tls-harness.js';

const FILES = readdirSync(CAPTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
/** tshark -c 2000: only the first 2000 frames are in the expected files. */
const MAX_FRAME = 2000;
const H2_PORTS: Record<string, number[]> = { 'ndpi-http2.pcapng': [29518] };

function expected(file: string, variant = ''): Record<string, string>[] {
  const p = `${CAPTURES}expected/${file}${variant}.app.tsv`;
  return existsSync(p) ? readTsv(readFileSync(p, 'utf8')) : [];
}
const has = (list: string, v: string) => list.split(',').includes(v);

/** Justified differences (tls-exceptions.tsv): check the tshark value still is what we recorded, then use ours. */
const EXCEPTIONS = readTsv(readFileSync(new URL('./tls-exceptions.tsv', import.meta.url), 'utf8').split('\n').filter((l) => !l.startsWith('#')).join('\n'));
function h2Value(v: { streams: number[]; types: number[] } | undefined): string {
  return v ? `${v.streams.join(',')}/${v.types.join(',')}` : '';
}
function applyH2Exceptions(file: string, want: Map<number, { streams: number[]; types: number[] }>): void {
  for (const x of EXCEPTIONS.filter((r) => r.file === file && r.check === 'http2')) {
    const frame = Number(x.frame);
    expect(h2Value(want.get(frame)), `exception for ${file} frame ${frame} no longer matches tshark`).toBe(x.tshark);
    if (x.ours === '') want.delete(frame);
    else {
      const [st, ty] = x.ours!.split('/');
      want.set(frame, { streams: st!.split(',').map(Number), types: ty!.split(',').map(Number) });
    }
  }
}
const sorted = <T>(m: Map<number, T>) => [...m].filter(([f]) => f <= MAX_FRAME).sort((a, b) => a[0] - b[0]);

describe.each(FILES)('%s', (file) => {
  it('TLS SNI and ALPN agree with tshark (tls.handshake.extensions_server_name, extensions_alpn_str)', async () => {
    const facts = await collectFacts(file, H2_PORTS[file]);
    const rows = expected(file);
    const ch = rows.filter((r) => has(r['tls.handshake.type']!, '1'))
      .map((r) => [Number(r['frame.number']), { sni: r['tls.handshake.extensions_server_name'], alpn: r['tls.handshake.extensions_alpn_str'] }]);
    expect(sorted(facts.clientHellos)).toEqual(ch);
    const sh = rows.filter((r) => has(r['tls.handshake.type']!, '2') && !has(r['tls.handshake.type']!, '1'))
      .map((r) => [Number(r['frame.number']), { alpn: r['tls.handshake.extensions_alpn_str'] }]);
    expect(sorted(facts.serverHellos)).toEqual(sh);
  });

  it('HTTP/2 stream ids and frame types agree with tshark (http2.streamid, http2.type)', async () => {
    const facts = await collectFacts(file, H2_PORTS[file]);
    const rows = expected(file, H2_PORTS[file] ? '.decode-as-http2' : '');
    const want = new Map(rows.filter((r) => r['http2.streamid'] !== '')
      .map((r) => [Number(r['frame.number']), { streams: r['http2.streamid']!.split(',').map(Number), types: r['http2.type']!.split(',').map(Number) }]));
    applyH2Exceptions(file, want);
    expect(sorted(facts.h2)).toEqual(sorted(want));
  });

  it('QUIC packet types and versions agree with tshark (quic.long.packet_type, quic.version)', async () => {
    const facts = await collectFacts(file, H2_PORTS[file]);
    const want = expected(file).filter((r) => r['quic.long.packet_type'] !== '' || r['quic.version'] !== '')
      .map((r) => [Number(r['frame.number']), {
        types: r['quic.long.packet_type']!.split(',').filter(Boolean).map(Number),
        versions: r['quic.version']!.split(',').filter(Boolean).map(Number),
      }]);
    expect(sorted(facts.quic)).toEqual(want);
  });
});
