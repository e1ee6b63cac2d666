/**
 * Packet-derived text is inert in every output of the real CLI (issue 8,
 * point 3). Captures from inert-fixtures.ts carry ESC sequences (CSI, OSC 52
 * clipboard writes, OSC 8 links, window titles), the 8-bit CSI 0x9b, BEL,
 * backspace, DEL, bidi overrides and blessed tags in HTTP request lines,
 * Host, User-Agent and other headers, reason phrases and content types, TLS
 * SNI and ALPN, DNS names, WebSocket text and close reasons, and pcapng
 * comments and interface names. `node dist/cli/bin.js` runs `packets`,
 * `conns`, `timeline`, `http`, `dns` and `info`, as text and as JSON, and
 * `http --har`.
 *
 * What must hold:
 * - stdout and stderr are valid UTF-8 with no C0 control but tab and
 *   newline, no DEL, no C1 control (U+0080–U+009F) and no bidi embedding,
 *   override or isolate character;
 * - text output shows the hostile bytes as visible escapes (`\x1b[31m`);
 * - every NDJSON line parses; JSON that carries raw strings (http --json,
 *   the HAR, info --json) gives back the exact original string after
 *   JSON.parse; JSON that carries display text (packets, conns, timeline,
 *   dns) gives the escaped form; binary data is hex or base64.
 * The dashboard's own check of escape sequences and blessed tags in a real
 * terminal is test/ui/dashboard.test.ts (tmux, hostile-http.pcap).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeJson, safeText } from '../../src/bytes/safe-text.js';
import { DNS_NAME, EVIL, SNI, URI, WS_TEXT, hostilePcap, hostilePcapng } from './inert-fixtures.js';

const BIN = resolve(process.cwd(), 'dist/cli/bin.js');
const distWhy = existsSync(BIN) ? '' : 'dist/ not built (npx tsc -p tsconfig.json)';
if (distWhy) console.warn(`CLI inertness tests skipped: ${distWhy}`);

const tmp = mkdtempSync(join(tmpdir(), 'synack-inert-'));
const PCAP = join(tmp, 'hostile.pcap');
const PCAPNG = join(tmp, 'hostile.pcapng');
beforeAll(() => {
  writeFileSync(PCAP, hostilePcap());
  writeFileSync(PCAPNG, hostilePcapng());
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What a terminal may act on: C0 but tab and newline, DEL, C1, bidi embeddings/overrides/isolates. */
// eslint-disable-next-line no-control-regex
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

interface Run { status: number | null; stdout: string; stderr: string }

function synack(args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  const decode = (b: Buffer, what: string): string => {
    // Valid UTF-8 only: a stray byte ≥ 0x80 could be a raw C1 control to an 8-bit terminal.
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      throw new Error(`synack ${args.join(' ')}: ${what} is not valid UTF-8`);
    }
  };
  return { status: r.status, stdout: decode(r.stdout, 'stdout'), stderr: decode(r.stderr, 'stderr') };
}

function assertInert(r: Run, what: string): void {
  for (const [name, s] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const m = ACTIVE.exec(s);
    if (m) {
      const at = m.index;
      throw new Error(`${what}: raw U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} on ${name} near ${JSON.stringify(s.slice(Math.max(0, at - 60), at + 20))}`);
    }
  }
}

function run(args: string[]): Run {
  const r = synack(args);
  expect(r.status, `synack ${args.join(' ')}: ${r.stderr}`).toBe(0);
  assertInert(r, `synack ${args.join(' ')}`);
  return r;
}

function ndjson(r: Run): Record<string, unknown>[] {
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('safeJson', () => {
  it('escapes DEL, C1 and bidi characters that JSON.stringify leaves raw, and round-trips', () => {
    const s = `a\x1b[31m\u009b1m\x7f\u202e\u2066\u2028x\ud800"\\`;
    const j = safeJson({ s });
    expect(j).not.toMatch(ACTIVE);
    expect(j).not.toContain('\u2028');
    expect((JSON.parse(j) as { s: string }).s).toBe(s);
    expect(safeJson(undefined)).toBe('null');
    expect(JSON.parse(safeJson({ a: [1, 'é'] }, 1))).toEqual({ a: [1, 'é'] });
  });
});

describe.skipIf(distWhy !== '')('packet-derived text is inert in every command', () => {
  it('packets: one line, the layer tree, hex; NDJSON with binary as hex', () => {
    run(['packets', PCAP]);
    const v = run(['packets', PCAP, '-v', '-x']);
    expect(v.stdout).toContain('\t0000  ');
    const j = ndjson(run(['packets', PCAP, '--json', '-v']));
    expect(j).toHaveLength(28);
    // The request's bytes, ESC included, are in the frame's hex.
    const req = j.find((o) => o.frame === 4)!;
    expect(req.hex as string).toContain(Buffer.from(EVIL.csi, 'utf8').toString('hex'));
    // The pcapng packet comment in the layer tree (text and JSON).
    const ng = run(['packets', PCAPNG, '-v']);
    expect(ng.stdout).toContain(`pkt \\x1b]52;c;`);
    ndjson(run(['packets', PCAPNG, '--json', '-v']));
  });

  it('conns: the TLS SNI in the label, as text and JSON', () => {
    const t = run(['conns', PCAP, '--udp']);
    expect(t.stdout).toMatch(/TLS .*x1b\[31mRED/);
    const j = ndjson(run(['conns', PCAP, '--json', '--udp']));
    const tls = j.find((o) => (o.server as { port: number }).port === 443)!;
    // Labels are display text: the SNI arrives escaped (safeText), never raw.
    expect(tls.app as string).toContain(safeText(SNI));
  });

  it('timeline: HTTP request line, reason phrase, TLS hello, WebSocket text and close reason', () => {
    const t = run(['timeline', PCAP]);
    expect(t.stdout).toContain(`GET ${safeText(URI)} HTTP/1.1`);
    expect(t.stdout).toContain(safeText(EVIL.csi + EVIL.c1));
    expect(t.stdout).toContain(`SNI=${safeText(SNI)}`);
    expect(t.stdout).toContain(safeText(EVIL.osc52));
    expect(t.stdout).toMatch(/WebSocket Close .*\\x1b\]0;owned\\x07/);
    run(['timeline', PCAP, '-v']);
    const j = ndjson(run(['timeline', PCAP, '--json']));
    const row = j.find((o) => o.frameNumber === 4)!;
    expect((row.app as string[]).join(' ')).toContain(safeText(URI));
    const ws = j.filter((o) => (o.app as string[]).some((a) => a.startsWith('WebSocket Text')));
    expect(ws).toHaveLength(2);
  });

  it('http: text escaped; --json round-trips every raw string', () => {
    const t = run(['http', PCAP]);
    expect(t.stdout).toContain(safeText(EVIL.csi + EVIL.c1));
    const j = ndjson(run(['http', PCAP, '--json']));
    const tx = j.find((o) => o.uri === URI)!;
    expect(tx).toBeDefined();
    expect(tx.reason).toBe(EVIL.csi + EVIL.c1);
    expect(tx.host).toBe(`${EVIL.csi}${EVIL.tags}.example`);
    expect(tx.contentType).toBe(`text/${EVIL.osc52}`);
    const headers = new Map(tx.requestHeaders as [string, string][]);
    expect(headers.get('User-Agent')).toBe(EVIL.osc8 + EVIL.bidi);
    expect(headers.get('X-Evil')).toBe(EVIL.title + EVIL.bel + EVIL.bs + EVIL.del);
    // Not valid UTF-8: each byte is one character (Latin-1), so the raw 8-bit CSI is kept as U+009B.
    expect(headers.get('X-Raw-C1')).toBe('\u009b32mRAW');
  });

  it('http --har: valid JSON, inert, strings exact, bodies base64', () => {
    const har = join(tmp, 'out.har');
    rmSync(har, { force: true });
    const r = run(['http', PCAP, '--har', har]);
    expect(r.stderr).toContain('wrote 2 HAR entries');
    const text = readFileSync(har, 'utf8');
    expect(text).not.toMatch(ACTIVE);
    const h = JSON.parse(text) as { log: { entries: Array<{ request: { url: string; headers: Array<{ name: string; value: string }> }; response: { statusText: string; content: { mimeType: string; text?: string; encoding?: string } } }> } };
    const e = h.log.entries[0]!;
    expect(e.request.url).toBe(`http://${EVIL.csi}${EVIL.tags}.example${URI}`);
    expect(e.request.headers.find((x) => x.name === 'User-Agent')!.value).toBe(EVIL.osc8 + EVIL.bidi);
    expect(e.response.statusText).toBe(EVIL.csi + EVIL.c1);
    expect(e.response.content.mimeType).toBe(`text/${EVIL.osc52}`);
    // The body (escape sequences in it) is binary to HAR: base64, decoding to the exact bytes.
    expect(e.response.content.encoding).toBe('base64');
    expect(Buffer.from(e.response.content.text!, 'base64').toString('utf8')).toBe(`${EVIL.clear}body${EVIL.alt}`);
  });

  it('dns: query and answer names escaped in text and JSON', () => {
    const t = run(['dns', PCAP]);
    expect(t.stdout).toContain(safeText(DNS_NAME));
    const j = ndjson(run(['dns', PCAP, '--json']));
    expect(j).toHaveLength(1);
    expect(j[0]!.name).toBe(safeText(DNS_NAME));
    expect((j[0]!.answers as string[]).join(' ')).toContain(safeText(`${EVIL.osc52}${EVIL.bidi}.example`));
  });

  it('info: pcapng comments, hardware, OS, application and interface names', () => {
    const t = run(['info', PCAPNG]);
    expect(t.stdout).toContain(safeText(`eth${EVIL.csi}`));
    const [j] = ndjson(run(['info', PCAPNG, '--json']));
    // JSON carries the original strings, escaped so a terminal shows them inert.
    expect((j!.comments as string[])[0]).toBe(`section ${EVIL.osc52}${EVIL.csi}`);
    const sec = (j!.sections as Array<Record<string, string>>)[0]!;
    expect(sec.hardware).toBe(`hw${EVIL.c1}`);
    expect(sec.os).toBe(`os${EVIL.bidi}`);
    expect((j!.interfaces as Array<Record<string, string>>)[0]!.name).toBe(`eth${EVIL.csi}`);
    run(['info', PCAP]);
  });

  it('file names in error lines and reader problems are escaped', () => {
    const name = `evil${EVIL.osc52}${EVIL.csi}.pcap`;
    // Missing file: from the command and from the bare-file form.
    for (const args of [['packets', name], [name], ['conns', name], ['http', name, '--json']]) {
      const r = synack(args);
      expect(r.status).not.toBe(0);
      assertInert(r, `synack ${args.join(' ')}`);
      expect(r.stderr).toContain(safeText(name));
    }
    // A file cut short: the reader's problem line quotes the name.
    writeFileSync(join(tmp, name), hostilePcap().subarray(0, 100));
    for (const cmd of ['packets', 'info', 'conns', 'timeline', 'http', 'dns']) {
      const r = synack([cmd, name]);
      assertInert(r, `synack ${cmd} (cut short)`);
    }
  });

  it('WebSocket text in JSON timeline entries is display text, escaped', () => {
    const j = ndjson(run(['timeline', PCAP, '--json']));
    const texts = j.flatMap((o) => o.app as string[]).filter((a) => a.startsWith('WebSocket Text'));
    expect(texts[0]).toContain(safeText(WS_TEXT).slice(0, 40));
  });
});
