import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../src/ui/filter.js';
import type { ConnSummary } from '../../src/flow/model.js';

function conn(over: Partial<ConnSummary>): ConnSummary {
  return {
    id: 0, proto: 'tcp', client: { ip: '10.0.0.1', port: 51000 }, server: { ip: '93.184.216.34', port: 80 }, rolesInferred: false,
    handshake: 'complete', synRetransmissions: 0, rttSynToSynAck: 0.01, rttSynAckToAck: 0.001, teardown: 'fin-both',
    activeCloser: 'client', clientState: 'TIME_WAIT', serverState: 'CLOSED', connState: 'SF', history: 'ShADadFf',
    firstTime: 1, lastTime: 2, duration: 1, packets: [5, 5], bytes: [500, 900], payloadBytes: [100, 500], retransmissions: 0,
    app: 'HTTP', openAtEnd: false, firstFrame: 1, lastFrame: 10, ...over,
  };
}

describe('connection filter', () => {
  const web = conn({});
  const tls = conn({ id: 1, server: { ip: '10.0.0.2', port: 443 }, app: 'TLS1.3 h2 www.example.com', connState: 'S1', clientState: 'ESTABLISHED', serverState: 'ESTABLISHED', openAtEnd: true });
  const dns = conn({ id: 0, proto: 'udp', server: { ip: '10.0.0.53', port: 53 }, app: 'DNS', connState: '' });
  const v6 = conn({ id: 2, client: { ip: 'fe80::1', port: 4000 }, server: { ip: 'fe80::2', port: 8080 }, app: '' });

  it('the example from the issue: port, state, host and free text together', () => {
    const f = parseFilter('port:80 state:SF host:10.0.0.1 http');
    expect([web, tls, dns, v6].map((c) => f.matches(c))).toEqual([true, false, false, false]);
    expect(f.text).toBe('port:80 state:SF host:10.0.0.1 http');
  });
  it('host matches either endpoint exactly, a prefix ending in a dot, or the application label', () => {
    expect(parseFilter('host:10.0.0.2').matches(tls)).toBe(true);
    expect(parseFilter('host:10.0.0.').matches(tls)).toBe(true);
    expect(parseFilter('host:10.0.0.10').matches(web)).toBe(false);
    expect(parseFilter('host:www.example.com').matches(tls)).toBe(true);
    expect(parseFilter('host:fe80::2').matches(v6)).toBe(true);
  });
  it('proto: transport or application; state: conn_state, endpoint states, open', () => {
    expect(parseFilter('proto:udp').matches(dns)).toBe(true);
    expect(parseFilter('proto:tls').matches(tls)).toBe(true);
    expect(parseFilter('proto:tls').matches(web)).toBe(false);
    expect(parseFilter('state:established').matches(tls)).toBe(true);
    expect(parseFilter('state:TIME_WAIT').matches(web)).toBe(true);
    expect(parseFilter('state:open').matches(tls)).toBe(true);
    expect(parseFilter('state:open').matches(web)).toBe(false);
  });
  it('negation, ids, and free text over the row', () => {
    expect(parseFilter('!port:80').matches(web)).toBe(false);
    expect(parseFilter('!port:80').matches(tls)).toBe(true);
    expect(parseFilter('id:1').matches(tls)).toBe(true);
    expect(parseFilter('ShADadFf').matches(web)).toBe(true);
    expect(parseFilter('93.184').matches(web)).toBe(true);
    expect(parseFilter('').matches(web)).toBe(true);
    expect(parseFilter('   ').terms).toHaveLength(0);
  });
});
