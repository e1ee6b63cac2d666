/**
 * IEEE 802.1Q VLAN tag (also 802.1ad S-tag and the old 0x9100 QinQ tag): the
 * 4 bytes that follow a TPID.
 *
 *   0                 2
 *   | PCP DEI VID(12) | inner type |
 *
 * Check once, then read: after `check()` returns `Check.ok`, getters cannot fail.
 */
import { Check, u16 } from './bytes.js';

export const VlanOffset = { TCI: 0, TYPE: 2 } as const;
export const VLAN_TAG_LEN = 4;

/** TPIDs that introduce a VLAN tag. */
export function isVlanTpid(t: number): boolean { return t === 0x8100 || t === 0x88a8 || t === 0x9100; }

export class VlanView {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;

  wrap(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf; this.start = start; this.end = end;
    return this;
  }

  check(): Check { return this.end - this.start < VLAN_TAG_LEN ? Check.truncated : Check.ok; }

  get tci(): number { return u16(this.buf, this.start + VlanOffset.TCI); }
  /** Priority code point (802.1p), 3 bits. */
  get priority(): number { return this.tci >>> 13; }
  /** Drop eligible indicator (formerly CFI). */
  get dei(): boolean { return (this.tci & 0x1000) !== 0; }
  get vlanId(): number { return this.tci & 0x0fff; }
  get innerType(): number { return u16(this.buf, this.start + VlanOffset.TYPE); }
}

const EMPTY = new Uint8Array(0);
