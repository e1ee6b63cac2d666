/**
 * The dashboard in a real terminal (tmux), on corpus captures, asserting
 * what a user sees. Facts come from outside our code:
 * expected/FILE.frames.tsv and conv-tcp.txt (tshark), and the bytes of the
 * capture (tcpdump -A shows "HTTP/1.1 200 OK" as the response line of
 * tcpdump-print-flags.pcap frame 6).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIL_HOST, EVIL_URI, hostileHttpPcap } from './hostile.js';
import { BIN, CAPTURES, Tmux, buildOnce, synack, tmuxAvailable } from './tmux.js';

const sessions: Tmux[] = [];
function term(w: number, h: number, env: Record<string, string> = {}): Tmux {
  const t = new Tmux(w, h, env);
  sessions.push(t);
  return t;
}
let tmp = '';

beforeAll(() => {
  buildOnce();
  tmp = mkdtempSync(join(tmpdir(), 'synack-ui-'));
});
afterAll(() => {
  for (const t of sessions) t.kill();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const cap = (name: string): string => resolve(CAPTURES, name);

/** An arrow label in its full (seq= ack=) or compact (s= a=) form. */
function label(flags: string, seq: number, ack?: number): RegExp {
  const f = flags.replace(/\+/g, '\\+');
  return new RegExp(`${f} (seq|s)=${seq}${ack === undefined ? '' : ` (ack|a)=${ack}`}`);
}

/** Rows of the screen between two box borders whose label contains `label`. */
function pane(screen: string, label: string): string {
  const lines = screen.split('\n');
  const start = lines.findIndex((l) => l.includes(label) && /[┌╭]/.test(l));
  if (start < 0) return '';
  const out: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    if (/^\s*[└╰]/.test(lines[i]!) || /[└╰]─/.test(lines[i]!.slice(0, 3))) break;
    out.push(lines[i]!);
  }
  return out.join('\n');
}

describe.skipIf(!tmuxAvailable())('dashboard in a terminal', () => {
  it('80×24, tcpdump-print-flags.pcap: connection list, handshake and teardown rows with states', async () => {
    const t = term(80, 24);
    t.run(synack(cap('tcpdump-print-flags.pcap')));
    let s = await t.waitFor(/loaded in/);
    // conv-tcp.txt: one conversation 127.0.0.1:55920 <-> 127.0.0.1:80.
    expect(s).toContain('127.0.0.1:55920 → 127.0.0.1:80');
    expect(s).toMatch(/connections 1\b/);
    const row = s.split('\n').find((l) => l.includes('127.0.0.1:55920 → 127.0.0.1:80'))!;
    // A complete handshake and FIN from both sides: Zeek's SF.
    expect(row).toMatch(/\bok\b/);
    expect(row).toMatch(/\bFIN\b/);
    expect(row).toMatch(/\bSF\b/);
    // frames.tsv: 1 S, 2 SA, 3 A (handshake); 8 FA from the client, 9 FA from the server, 10 A.
    const tl = pane(s, 'tcp 0');
    const lines = tl.split('\n');
    const f = (n: number): string => lines.find((l) => new RegExp(`^│\\s+${n} `).test(l)) ?? '';
    expect(f(1)).toMatch(label('SYN', 0));
    expect(f(1)).toMatch(/SYN_SENT/);
    expect(f(1)).toMatch(/►/); // client → server
    expect(f(2)).toMatch(label('SYN+ACK', 0, 1));
    expect(f(2)).toMatch(/◄/); // server → client
    expect(f(3)).toMatch(label('ACK', 1, 1));
    expect(f(3)).toMatch(/ESTABLISHED.*ESTABLISHED/);
    // Scroll the timeline to its end for the teardown.
    t.keys('Tab', 'G');
    s = await t.waitFor((x) => /^│\s+10 /m.test(x));
    const end = pane(s, 'tcp 0').split('\n');
    const g = (n: number): string => end.find((l) => new RegExp(`^│\\s+${n} `).test(l)) ?? '';
    expect(g(8)).toMatch(label('FIN+ACK', 203, 5560));
    expect(g(8)).toMatch(/FIN_WAIT_1/);
    expect(g(9)).toMatch(label('FIN+ACK', 5560, 204));
    expect(g(10)).toMatch(label('ACK', 204, 5561));
    expect(g(10)).toMatch(/TIME_WAIT/);
    t.keys('q');
    await t.until(() => !t.alternate(), 5000, 'the alternate screen to be left');
  });

  it('200×60, zeek-workshop_2011_browse.pcap: six connections, notes, docked detail, charts', async () => {
    const t = term(200, 60);
    t.run(synack(cap('zeek-workshop_2011_browse.pcap')));
    const s = await t.waitFor(/loaded in/);
    // conv-tcp.txt: six conversations from 10.0.2.15 to 192.150.187.43:80.
    for (const port of [49282, 49283, 49284, 49285, 49286, 49287]) expect(s).toContain(`10.0.2.15:${port} → 192.150.187.43:80`);
    expect(s).toMatch(/connections 6\b/);
    expect(s).toContain('throughput');
    expect(s).toContain('connections by state');
    expect(s).toContain('packet detail');
    // The first connection's handshake with its textbook notes.
    const tl = pane(s, 'tcp 0');
    expect(tl).toMatch(/SYN seq=0.*handshake/);
    expect(tl).toMatch(/SYN_SENT/);
    t.keys('q');
    await t.until(() => !t.alternate(), 5000, 'the alternate screen to be left');
  });

  it('the filter narrows the list and is shown in its label', async () => {
    const t = term(120, 30);
    t.run(synack(cap('zeek-workshop_2011_browse.pcap')));
    await t.waitFor(/loaded in/);
    t.keys('/');
    await t.waitFor('filter:');
    t.type('port:49286');
    t.keys('Enter');
    // (The prompt line itself reads "filter: port:49286" while typing: wait for the list's label.)
    const s = await t.waitFor('connections 1 of 6 · filter: port:49286');
    expect(s).toContain('10.0.2.15:49286 → 192.150.187.43:80');
    expect(s).not.toContain('10.0.2.15:49282 →');
    // A protocol and free text together, after clearing the line with Ctrl-U.
    t.keys('/');
    await t.waitFor('filter:');
    t.keys('C-u');
    t.type('proto:http 49285');
    t.keys('Enter');
    const s2 = await t.waitFor('connections 1 of 6 · filter: proto:http 49285');
    expect(s2).toContain('10.0.2.15:49285 →');
    expect(s2).not.toContain('10.0.2.15:49286 →');
    t.keys('q');
  });

  it('HTTP view: the requests of the capture with method, URI and status (frames.tsv)', async () => {
    const t = term(160, 40);
    t.run(synack(cap('zeek-workshop_2011_browse.pcap')));
    await t.waitFor(/loaded in/);
    t.keys('h');
    const s = await t.waitFor('HTTP transactions');
    expect(s).toMatch(/HTTP transactions · all connections · 17/);
    // frames.tsv frame 19: GET /css/pygments.css on tcp.stream 0; responses are 304.
    const row = s.split('\n').find((l) => l.includes('/css/pygments.css'))!;
    expect(row).toMatch(/^│\s+0\s+2\s+GET\s/);
    expect(row).toMatch(/\b304\b/);
    // Enter jumps to the request in its connection's timeline.
    t.keys('Down', 'Enter');
    const s2 = await t.waitFor((x) => !x.includes('HTTP transactions ·'));
    // The timeline of tcp 0 with frame 19 (the request) selected, its detail open beside.
    expect(s2).toContain('tcp 0 · HTTP · 10.0.2.15:49282 → 192.150.187.43:80');
    expect(s2).toMatch(/^│\s+19 .*HTTP GET \/css\/p/m);
    expect(s2).toContain('packet detail · frame 19');
    expect(s2).toMatch(/HTTP GET \/css\/pygments\.css HTTP\/1\.1/);
    t.keys('q');
  });

  it('follow stream shows the request and the response line in two directions', async () => {
    const t = term(100, 30);
    t.run(synack(cap('tcpdump-print-flags.pcap')));
    await t.waitFor(/loaded in/);
    t.keys('f');
    const s = await t.waitFor('follow tcp stream 0 · text');
    expect(s).toMatch(/^│> GET \/ HTTP\/1\.1/m);
    expect(s).toMatch(/^│< HTTP\/1\.1 200 OK/m);
    t.keys('x');
    const hex = await t.waitFor('follow tcp stream 0 · hex');
    // "GET " in hex, from the client side.
    expect(hex).toMatch(/^│> 00000000  47 45 54 20/m);
    t.keys('Escape');
    await t.waitFor((x) => !x.includes('follow tcp stream'));
    t.keys('q');
  });

  it('help, and quit restores the terminal with the shell prompt back', async () => {
    const t = term(80, 24);
    t.run(synack(cap('tcpdump-print-flags.pcap')));
    await t.waitFor(/loaded in/);
    t.keys('?');
    const s = await t.waitFor('synack dashboard — keys');
    expect(s).toMatch(/\/\s+filter connections/);
    t.keys('Escape');
    await t.waitFor((x) => !x.includes('synack dashboard — keys'));
    expect(t.alternate()).toBe(true);
    t.keys('q');
    await t.until(() => !t.alternate(), 5000, 'the alternate screen to be left');
    t.run('echo "exit=$?"');
    const after = await t.waitFor('exit=0');
    expect(after).not.toContain('connections');
    // The last line is the shell's prompt again.
    expect(after.trimEnd().split('\n').pop()).toMatch(/^\S*[$#]$/);
  });

  it('Ctrl-C and SIGTERM restore the terminal too', async () => {
    const t = term(80, 24);
    t.run(`${synack(cap('tcpdump-print-flags.pcap'))}; echo "ctrl-c=$?"`);
    await t.waitFor(/loaded in/);
    t.keys('C-c');
    await t.until(() => !t.alternate(), 5000, 'Ctrl-C to leave the alternate screen');
    await t.waitFor('ctrl-c=0');
    t.run('clear');
    t.run(synack(cap('tcpdump-print-flags.pcap')));
    await t.waitFor(/loaded in/);
    const pid = t.childPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGTERM');
    await t.until(() => !t.alternate(), 5000, 'SIGTERM to leave the alternate screen');
    t.run('echo "term=$?"');
    const s = await t.waitFor(/term=\d+/);
    expect(s).toMatch(/term=143/);
  });

  it('packet-derived escapes and {tags} are shown as text, never obeyed', async () => {
    const file = join(tmp, 'hostile-http.pcap');
    writeFileSync(file, hostileHttpPcap());
    const t = term(160, 40);
    t.run(synack(file));
    await t.waitFor(/loaded in/);
    // Inline on the timeline, and in full in the packet detail of the request (frame 4).
    t.keys('Tab', 'Down', 'Down', 'Down');
    const d = await t.waitFor('packet detail · frame 4');
    expect(d).toMatch(/^│\s+4 .*HTTP GET \/\{bold\}BO/m);
    expect(d).toContain('HTTP GET /{bold}BOLD{/bold}\\x1b[31mRED');
    t.keys('h');
    const s = await t.waitFor('HTTP transactions');
    // The URI as text: the braces and the escaped control bytes are visible.
    expect(s).toContain('{bold}BOLD{/bold}');
    expect(s).toMatch(/\\x1b\[31mRED/);
    expect(s).toContain('{underline}evil.example');
    // And no attribute was switched on by them: no bold/blink/underline around the text.
    const raw = execFileSync('tmux', ['capture-pane', '-p', '-e', '-t', t.name], { encoding: 'utf8' });
    const line = raw.split('\n').find((l) => l.includes('BOLD'))!;
    expect(line).not.toMatch(/\x1b\[[0-9;]*\b(1|4|5)m[^\x1b]*BOLD/);
    t.keys('Escape');
    await t.waitFor((x) => !x.includes('HTTP transactions ·'));
    t.keys('f');
    const f = await t.waitFor('follow tcp stream');
    expect(f).toContain('{bold}BOLD{/bold}');
    expect(f).toContain('{blink}srv');
    // The window title was not changed by the OSC sequence.
    const title = execFileSync('tmux', ['display-message', '-p', '-t', t.name, '#{pane_title}'], { encoding: 'utf8' });
    expect(title).not.toContain('pwned');
    t.keys('q');
    void EVIL_URI;
    void EVIL_HOST;
  });

  it('NO_COLOR: no colour at all', async () => {
    const t = term(120, 40, { NO_COLOR: '1' });
    t.run(synack(cap('tcpdump-print-flags.pcap')));
    await t.waitFor(/loaded in/);
    const raw = execFileSync('tmux', ['capture-pane', '-p', '-e', '-t', t.name], { encoding: 'utf8' });
    // SGR colour parameters: 30–37, 39 excepted, 40–47, 90–97, 100–107, 38;5 / 48;5.
    const colours = [...raw.matchAll(/\x1b\[([0-9;]*)m/g)].flatMap((m) => m[1]!.split(';')).filter((p) => /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/.test(p));
    expect(colours).toEqual([]);
    t.keys('q');
  });

  it('resizing from 80×24 to 200×60 brings the charts and the docked detail', async () => {
    const t = term(80, 24);
    t.run(synack(cap('zeek-workshop_2011_browse.pcap')));
    let s = await t.waitFor(/loaded in/);
    expect(s).not.toContain('throughput');
    t.resize(200, 60);
    s = await t.waitFor('throughput');
    expect(s).toContain('packet detail');
    t.resize(80, 24);
    s = await t.waitFor((x) => !x.includes('throughput'));
    expect(s).toContain('connections 6');
    t.keys('q');
  });

  it('Enter on a timeline row at 80×24 opens the packet detail: layer tree and highlighted bytes', async () => {
    const t = term(80, 24);
    t.run(synack(cap('tcpdump-print-flags.pcap')));
    await t.waitFor(/loaded in/);
    t.keys('Enter'); // connection → its timeline
    await t.waitFor('▶ tcp 0');
    t.keys('Down', 'Enter'); // frame 2 (SYN-ACK) → detail
    const s = await t.waitFor('packet detail · frame 2');
    expect(s).toMatch(/server → client\s+SYN\+ACK seq=0 ack=1/);
    // The TCP layer is selected and its bytes highlighted: tcp.tsv gives frame.len 74 and
    // tcp.hdr_len 40 for frame 2, so after Ethernet (14) and IPv4 (20) it is bytes 34..73.
    expect(s).toMatch(/source port: 80\b/);
    expect(s).toMatch(/bytes 34\.\.73 of 74/);
    expect(s).toMatch(/^│0000  /m);
    t.keys('Escape');
    await t.waitFor((x) => !x.includes('packet detail'));
    t.keys('q');
  });

  it('sort by column: s cycles the column, S reverses; the sort is shown in the label', async () => {
    const t = term(120, 30);
    t.run(synack(cap('zeek-workshop_2011_browse.pcap')));
    await t.waitFor(/loaded in/);
    // s: id → proto → client → server → state → rtt → packets (largest first).
    t.keys('s', 's', 's', 's', 's', 's');
    let s = await t.waitFor('sort: packets ▼');
    const ids = (x: string): string[] => x.split('\n').filter((l) => /10\.0\.2\.15:\d+ →/.test(l)).map((l) => /:(\d+) →/.exec(l)![1]!);
    // conv-tcp.txt: 49286 has the most frames (39), then 49282 (25).
    expect(ids(s).slice(0, 2)).toEqual(['49286', '49282']);
    t.keys('S');
    s = await t.waitFor('sort: packets ▲');
    expect(ids(s).slice(0, 1)).toEqual(['49283']); // 9 frames, the fewest
    t.keys('q');
  });

  it('the mouse: a click selects a connection, the wheel scrolls the list', async () => {
    const t = term(80, 24);
    t.run(synack(cap('zeek-workshop_2011_browse.pcap')));
    await t.waitFor(/loaded in/);
    // Rows start on screen line 5 (header 2, border, column titles); click the third row (tcp 2).
    // SGR mouse reports, press and release apart (one report per read, as a terminal sends them).
    t.type('\x1b[<0;12;7M');
    await new Promise((r) => setTimeout(r, 100));
    t.type('\x1b[<0;12;7m');
    await t.waitFor('tcp 2 · HTTP · 10.0.2.15:49284');
    // Wheel down (button 65) moves the selection by three rows.
    t.type('\x1b[<65;12;7M');
    await t.waitFor('tcp 5 · HTTP · 10.0.2.15:49287');
    t.keys('q');
  });

  it('odd captures (empty, fuzzed, unsupported link type, UDP only, IPv6, multi-section pcapng) survive every view', async () => {
    const files = [
      'zeek-empty.pcap', 'tcpdump-empty.pcapng', 'sv-bug-6875-01-fuzz.pcap', 'tcpdump-kday4.pcap', 'tcpdump-dsa.pcap',
      'tcpdump-dns_udp.pcap', 'arkime-v6-http.pcap', 'gopacket-be-test202.pcapng', 'ndpi-fuzz-2021-10-13.pcap',
    ];
    const t = term(100, 30);
    for (const f of files) {
      t.run('clear');
      t.run(`${synack(cap(f))}; echo "exit=$?"`);
      await t.waitFor(/loaded in/);
      for (const k of ['Enter', 'Down', 'Enter', 'Enter']) t.keys(k);
      t.keys('Escape');
      await new Promise((r) => setTimeout(r, 150));
      t.keys('h');
      await t.waitFor('HTTP transactions');
      t.keys('Escape');
      await new Promise((r) => setTimeout(r, 150));
      t.keys('f');
      await t.waitFor('follow');
      t.keys('x', 'Escape');
      await new Promise((r) => setTimeout(r, 150));
      t.keys('Tab', 'G', 's', 'S', '?');
      await t.waitFor('synack dashboard — keys');
      expect(t.alternate()).toBe(true);
      t.keys('q');
      await new Promise((r) => setTimeout(r, 150));
      t.keys('q');
      await t.waitFor('exit=0');
      expect(t.alternate()).toBe(false);
    }
  }, 240_000);

  it('without a terminal, synack FILE prints the connection summary', () => {
    const r = spawnSync('node', [BIN, cap('tcpdump-print-flags.pcap')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('127.0.0.1');
    expect(r.stdout).toContain('55920');
    expect(r.stdout).not.toContain('\x1b[?1049h'); // never the alternate screen
  });
});
