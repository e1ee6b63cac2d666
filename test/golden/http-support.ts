/**
 * How the golden HTTP tests get an analysed capture: through the full
 * pipeline (`analyzeFile` from src/analysis.ts) when it is built, otherwise
 * through the application-layer harness fed with tshark's TCP fields.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURES, runCapture } from '../analyzers/harness.js';
import type { AppLayer } from '../../src/analyzers/types.js';

type AnalyzeFile = (path: string, opts?: Record<string, unknown>) => Promise<{ app: AppLayer }>;

let analyze: AnalyzeFile | null | undefined;

async function pipeline(): Promise<AnalyzeFile | null> {
  if (analyze !== undefined) return analyze;
  analyze = null;
  if (process.env.SYNACK_TEST_HARNESS !== 'tshark' && existsSync(join(process.cwd(), 'src', 'analysis.ts'))) {
    try {
      const mod = (await import('../../src/analysis.js')) as { analyzeFile?: AnalyzeFile };
      if (typeof mod.analyzeFile === 'function') analyze = mod.analyzeFile;
    } catch {
      analyze = null;
    }
  }
  return analyze;
}

export async function analyzeForTest(file: string): Promise<AppLayer> {
  const fn = await pipeline();
  if (fn !== null) return (await fn(join(CAPTURES, file))).app;
  return runCapture(file);
}
