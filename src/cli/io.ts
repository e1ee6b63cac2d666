import { type ParseArgsConfig, parseArgs } from 'node:util';

/** What a command needs from the outside world; tests pass their own. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** True when standard output is a terminal (enables colour and the dashboard). */
  isTty: boolean;
  /** Colour allowed (TTY and NO_COLOR not set). */
  color: boolean;
}

export function processIo(): Io {
  const isTty = Boolean(process.stdout.isTTY);
  return {
    out: (line) => { process.stdout.write(line + '\n'); },
    err: (line) => { process.stderr.write(line + '\n'); },
    isTty,
    color: isTty && !process.env.NO_COLOR,
  };
}

/** An error meant for the user: printed as one line, no stack. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command module: `src/cli/cmd-NAME.ts` exports `command`. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: Io): Promise<number>;
}

/**
 * `util.parseArgs` in strict mode for a command: an unknown or malformed
 * option becomes one UsageError line naming the command.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>(config);
  } catch (e) {
    throw new UsageError(`synack ${command}: ${(e as Error).message}`);
  }
}
