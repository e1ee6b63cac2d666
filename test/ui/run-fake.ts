/**
 * Runs the dashboard on the synthetic analysis (for tmux tests and by hand):
 *   npx vite-node test/ui/run-fake.ts -- CONNS PACKETS_PER_CONN [delay]
 */
import { runDashboard } from '../../src/ui/dashboard.js';
import { FakeAnalysis, fakeSource } from './fake.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const conns = Number(args[0] ?? 100_000);
const per = Number(args[1] ?? 10);
const delay = Number(args[2] ?? 0);
runDashboard({
  title: `synthetic ${conns} conns × ${per} packets`,
  source: fakeSource(conns * per, 4096, delay),
  createAnalysis: () => new FakeAnalysis(conns, per),
}).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => { process.stderr.write(`synack: ${e instanceof Error ? e.message : String(e)}\n`); process.exitCode = 1; },
);
