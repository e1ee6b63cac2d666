/**
 * IEEE 802.2 LLC header, after an 802.3 length field, and the SNAP extension
 * (RFC 1042) when DSAP = SSAP = 0xAA.
 *
 *   0      1      2                 3/4
 *   | DSAP | SSAP | control (1 or 2) | [SNAP: OUI(3) type(2)]
 *
 * The control field is 1 byte for U-format PDUs (low two bits 11) and 2 bytes
 * for I- and S-format. Check once, then read: after `check()` returns
 * `Check.ok`, getters cannot fail.
 */
import { Check, u16 } from './bytes.js';

export const LlcOffset = { DSAP: 0, SSAP: 1, CONTROL: 2 } as const;
export const SNAP_SAP = 0xaa;

export class LlcView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  controlLength = 1;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end; this.controlLength = 1;
    return this;
  }

  check(): Check {
    if (this.end - this.start < 3) return Check.truncated;
    this.controlLength = (this.buf[this.start + LlcOffset.CONTROL]! & 3) === 3 ? 1 : 2;
    if (this.end - this.start < 2 + this.controlLength) return Check.truncated;
    if (this.isSnap && this.end - this.start < 2 + this.controlLength + 5) return Check.truncated;
    return Check.ok;
  }

  get dsap(): number { return this.buf[this.start + LlcOffset.DSAP]!; }
  get ssap(): number { return this.buf[this.start + LlcOffset.SSAP]!; }
  get control(): number {
    const o = this.start + LlcOffset.CONTROL;
    return this.controlLength === 1 ? this.buf[o]! : u16(this.buf, o);
  }
  get isSnap(): boolean { return this.dsap === SNAP_SAP && this.ssap === SNAP_SAP; }
  get headerLength(): number { return 2 + this.controlLength + (this.isSnap ? 5 : 0); }
  /** SNAP organisation code (0 = encapsulated EtherType). Valid only when `isSnap`. */
  get snapOui(): number {
    const o = this.start + 2 + this.controlLength;
    return (this.buf[o]! << 16) | (this.buf[o + 1]! << 8) | this.buf[o + 2]!;
  }
  get snapType(): number { return u16(this.buf, this.start + 2 + this.controlLength + 3); }
}

const EMPTY = new Uint8Array(0);
