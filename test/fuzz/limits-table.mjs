// Prints the hardening table (src/limits.ts, compiled) as Markdown:
//   node test/fuzz/limits-table.mjs
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.SYNACK_DIST ? resolve(process.env.SYNACK_DIST) : resolve(here, '../../dist');
const { LIMITS } = await import(`${dist}/limits.js`);
const cell = (s) => s.replace(/\|/g, '\\|');
const out = ['| Limit | Default | Configured in | When it is hit | Marker |', '|---|---|---|---|---|'];
for (const l of LIMITS) out.push(`| \`${cell(l.name)}\` | ${cell(l.value)} | ${cell(l.where)} | ${cell(l.onHit)} | ${l.marker ? cell(l.marker.split(', ').map((m) => (/^[a-z0-9_]+$/.test(m) ? `\`${m}\`` : m)).join(', ')) : '—'} |`);
process.stdout.write(out.join('\n') + '\n');
