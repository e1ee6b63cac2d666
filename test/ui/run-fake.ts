/**
 * Runs the dashboard on the synthetic analysis (for tmux tests and by hand):
 *   npx vite-node test/ui/run-fake.ts -- CONNS PACKETS_PER_CONN [DELAY_EVERY_BATCHES] [live]
 * With `live`, frames keep arriving slowly (one small batch every 50 ms) until quit.
 */
import { runDashboard } from '../../src/ui/dashboard.js';
import { FakeAnalysis, fakeSource } from './fake.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const conns = Number(args[0] ?? 100_000);
const per = Number(args[1] ?? 10);
const delay = Number(args[2] ?? 0);
const live = args[3] === 'live';
runDashboard({
  title: live ? 'live fake0' : `synthetic ${conns} conns × ${per} packets`,
  source: live ? fakeSource(conns * per, per, 1, 50) : fakeSource(conns * per, 4096, delay),
  createAnalysis: () => new FakeAnalysis(conns, per),
  live,
}).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => { process.stderr.write(`synack: ${e instanceof Error ? e.message : String(e)}\n`); process.exitCode = 1; },
);
