/**
 * `synack ifaces [--json]`: the interfaces live capture can open, with
 * description, addresses, up/down and the loopback flag. Works without cap
 * too (the kernel's list), saying that capture itself is unavailable.
 */
import { parseArgs } from 'node:util';
import { safeText } from '../bytes/safe-text.js';
import { capMissingMessage, defaultInterface, type InterfaceInfo, listInterfaces } from '../capture/live.js';
import { type Command, type Io, UsageError } from './io.js';

const usage = `usage: synack ifaces [--json]

Lists the interfaces synack live can capture on: name, state (up/down; "-"
for libpcap pseudo-devices such as "any"), loopback flag, addresses and
description. The default capture interface (the first one up and not
loopback) is marked with *.

  --json    one JSON object per interface (NDJSON)`;

function state(i: InterfaceInfo): string {
  if (i.up === null) return '-';
  if (i.up) return 'up';
  return i.adminUp ? 'no-carrier' : 'down';
}

export const command: Command = {
  name: 'ifaces',
  summary: 'list capture interfaces (name, addresses, up/down)',
  usage,
  async run(args: string[], io: Io): Promise<number> {
    let values: { json?: boolean };
    try {
      ({ values } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: false, strict: true }));
    } catch (e) {
      throw new UsageError(`synack ifaces: ${(e as Error).message}`);
    }
    const { interfaces, fromLibpcap } = listInterfaces();
    const def = defaultInterface(interfaces);
    if (values.json) {
      for (const i of interfaces) {
        io.out(
          JSON.stringify({
            name: i.name,
            description: i.description,
            addresses: i.addresses,
            up: i.up,
            adminUp: i.adminUp,
            loopback: i.loopback,
            pseudo: !i.kernelDevice,
            default: i.name === def,
            capture: fromLibpcap,
          }),
        );
      }
    } else {
      const nameW = Math.max(4, ...interfaces.map((i) => safeText(i.name).length)) + 2;
      io.out(`${'  NAME'.padEnd(nameW + 2)}${'STATE'.padEnd(11)}${'LOOP'.padEnd(6)}ADDRESSES / DESCRIPTION`);
      for (const i of interfaces) {
        const addrs = i.addresses.map((a) => a.addr).join(' ');
        const text = [addrs, i.description].filter((s) => s !== '').join('  ');
        io.out(
          `${i.name === def ? '* ' : '  '}${safeText(i.name).padEnd(nameW)}${state(i).padEnd(11)}${(i.loopback ? 'yes' : '').padEnd(6)}${safeText(text)}`,
        );
      }
    }
    if (!fromLibpcap) io.err(capMissingMessage());
    return 0;
  },
};
