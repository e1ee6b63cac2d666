import { describe, expect, it } from 'vitest';
import { HeadInfo, parseHead } from '../../../src/analyzers/http/head.js';

/** Parses a response head with one extra field line and returns the HeadInfo. */
function withField(line: string): HeadInfo {
  const b = Buffer.from(`HTTP/1.1 200 OK\r\n${line}\r\n\r\n`, 'latin1');
  const h = new HeadInfo();
  expect(parseHead(b, 0, b.length, true, h)).toBe(true);
  return h;
}

describe('parseHead field values', () => {
  it.each([
    ['Content-Length: 3', 3],
    ['Content-Length:   42  ', 42],
    ['Content-Length: 0', 0],
    ['Content-Length: 7, 7', 7],
    ['Content-Length: 7,7', 7],
    ['Content-Length: ,7', 7],
    ['Content-Length: 7, 8', -2],
    ['Content-Length: ', -2],
    ['Content-Length: 1x', -2],
    ['Content-Length: -1', -2],
    ['Content-Length: 9999999999999999', -2],
    ['Content-Length: 999999999999999', 999999999999999],
  ])('%s → %d', (line, want) => {
    expect(withField(line).contentLength).toBe(want);
  });

  it('repeated Content-Length lines must agree', () => {
    expect(withField('Content-Length: 5\r\nContent-Length: 5').contentLength).toBe(5);
    expect(withField('Content-Length: 5\r\nContent-Length: 6').contentLength).toBe(-2);
  });

  it.each([
    ['Connection: close', true, false, false],
    ['Connection: Keep-Alive', false, true, false],
    ['Connection: Upgrade', false, false, true],
    ['Connection: keep-alive, Upgrade', false, true, true],
    ['Connection: ,close,', true, false, false],
    ['Connection: close , keep-alive', true, true, false],
    ['Connection: closed', false, false, false],
    ['Connection: ', false, false, false],
  ])('%s', (line, close, keepAlive, upgrade) => {
    const h = withField(line);
    expect([h.connClose, h.connKeepAlive, h.connUpgrade]).toEqual([close, keepAlive, upgrade]);
  });
});
