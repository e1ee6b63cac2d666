/**
 * Test harness for live capture: two network namespaces joined by a veth
 * pair, created per test file with unique names and always removed.
 * Traffic stays inside them (the network rule: no packet leaves a namespace
 * the test created). Every process is started and killed by PID.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let seq = 0;

/** '' when namespaces can be used here, else why not (the test is skipped with this reason). */
export function netnsUnavailable(): string {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (creates network namespaces and veth pairs)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (ip) not installed';
  const probe = `synack-probe-${process.pid}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot create a network namespace: ${r.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return '';
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

export interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

export class VethLab {
  readonly nsA: string;
  readonly nsB: string;
  readonly ifA: string;
  readonly ifB: string;
  readonly ipA = '10.99.0.1';
  readonly ipB = '10.99.0.2';
  readonly ip6A = 'fd00:99::1';
  readonly ip6B = 'fd00:99::2';
  private readonly procs = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(tag: string) {
    this.nsA = `synack-${tag}-a`;
    this.nsB = `synack-${tag}-b`;
    // Interface names: at most 15 bytes.
    this.ifA = `sk${tag}a`.slice(0, 15);
    this.ifB = `sk${tag}b`.slice(0, 15);
  }

  /** Namespaces A (server side) and B (client side), veth ifA in A, ifB in B, addresses up. */
  static create(opts: { offload?: boolean; ipv6?: boolean } = {}): VethLab {
    const tag = `${process.pid % 100000}${String.fromCharCode(97 + (seq++ % 26))}`;
    const lab = new VethLab(tag);
    try {
      run('ip', ['netns', 'add', lab.nsA]);
      run('ip', ['netns', 'add', lab.nsB]);
      run('ip', ['link', 'add', lab.ifA, 'netns', lab.nsA, 'type', 'veth', 'peer', 'name', lab.ifB, 'netns', lab.nsB]);
      for (const [ns, dev, ip, ip6] of [
        [lab.nsA, lab.ifA, lab.ipA, lab.ip6A],
        [lab.nsB, lab.ifB, lab.ipB, lab.ip6B],
      ] as const) {
        run('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', dev]);
        if (opts.ipv6 === false) {
          // No IPv6 at all: the link then stays silent (no router solicitations or MLD reports).
          run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
          run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${dev}.disable_ipv6=1`]);
        } else {
          run('ip', ['-n', ns, 'addr', 'add', `${ip6}/64`, 'dev', dev, 'nodad']);
        }
        run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
        if (opts.offload === false) {
          // Segmentation offload makes frames larger than the MTU on a veth; real NICs split them.
          spawnSync('ip', ['netns', 'exec', ns, 'ethtool', '-K', dev, 'tso', 'off', 'gso', 'off', 'gro', 'off'], { timeout: 10_000 });
        }
      }
    } catch (e) {
      lab.destroy();
      throw e;
    }
    return lab;
  }

  /** Starts `cmd args` inside `ns`; output is collected. */
  spawnIn(ns: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.procs.add(child);
    const p: Proc = {
      child,
      stdout: '',
      stderr: '',
      exited: new Promise((resolve) => {
        child.on('close', (code) => {
          this.procs.delete(child);
          resolve(code);
        });
        child.on('error', () => resolve(null));
      }),
    };
    child.stdout!.on('data', (d: Buffer) => {
      p.stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      p.stderr += d.toString();
    });
    return p;
  }

  /** Runs a command inside `ns` to completion (bounded by a timeout). */
  runIn(ns: string, cmd: string, args: string[], timeoutMs = 20_000): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /**
   * A small HTTP/1.1 server in namespace A on `port` (IPv4 and IPv6; node's
   * http module, keep-alive by default). /missing answers 404; /close answers
   * with a close-delimited body, so the server sends the first FIN.
   */
  startHttpServer(dir: string, port = 8080): Proc {
    const script = join(dir, `server-${port}.mjs`);
    writeFileSync(
      script,
      `import http from 'node:http';
const server = http.createServer((req, res) => {
  if (req.url === '/close') {
    req.socket.end('HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\nbye\\n');
    return;
  }
  const body = 'hello from ' + req.url + '\\n' + 'x'.repeat(req.url === '/big' ? 20000 : 10);
  res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 30000;
server.listen(${port}, '::', () => process.stdout.write('listening\\n'));
process.on('SIGTERM', () => process.exit(0));
`,
    );
    return this.spawnIn(this.nsA, process.execPath, [script]);
  }

  /** Waits until `pred(proc)` holds or the process exits or the time runs out. */
  static async waitFor(p: Proc, pred: (p: Proc) => boolean, timeoutMs = 10_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    let exited = false;
    void p.exited.then(() => {
      exited = true;
    });
    while (Date.now() < end) {
      if (pred(p)) return true;
      if (exited) return pred(p);
      await new Promise((r) => setTimeout(r, 25));
    }
    return pred(p);
  }

  /** Stops a process by PID (SIGINT by default) and waits for it, with a SIGKILL after `graceMs`. */
  static async stop(p: Proc, signal: NodeJS.Signals = 'SIGINT', graceMs = 10_000): Promise<number | null> {
    const pid = p.child.pid;
    if (pid !== undefined && p.child.exitCode === null && p.child.signalCode === null) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      if (pid !== undefined && p.child.exitCode === null) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, graceMs);
    const code = await p.exited;
    clearTimeout(timer);
    return code;
  }

  /** Kills what is left (by PID) and deletes both namespaces (which removes the veth pair). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const c of this.procs) {
      if (c.pid !== undefined && c.exitCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.procs.clear();
    spawnSync('ip', ['netns', 'del', this.nsA]);
    spawnSync('ip', ['netns', 'del', this.nsB]);
  }
}
