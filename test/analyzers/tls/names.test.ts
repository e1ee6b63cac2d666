import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cipherSuiteName, knownCipherSuites, versionName } from '../../../src/analyzers/tls/names.js';

describe('cipher suite names', () => {
  // cipher-suites.tshark.tsv: tshark 4.0's names for every suite in our table (cipher-suites.gen.py).
  const rows = readFileSync(new URL('./cipher-suites.tshark.tsv', import.meta.url), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  it('match Wireshark for every suite in the table', () => {
    expect(rows.length).toBe(knownCipherSuites().length);
    for (const [h, name] of rows) expect(cipherSuiteName(parseInt(h!, 16))).toBe(name);
  });
  it('keep unknown and GREASE values visible', () => {
    expect(cipherSuiteName(0x1234)).toBe('0x1234');
    expect(cipherSuiteName(0xeaea)).toBe('GREASE');
    expect(versionName(0x0304)).toBe('TLS1.3');
    expect(versionName(0x7f1c)).toBe('TLS1.3-draft28');
    expect(versionName(0x8a8a)).toBe('GREASE');
  });
});
