// The CLI contract (DESIGN.md): with --json, one JSON document on stdout and
// human text on stderr; exit 0 ok, 1 failure, 2 bad input.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../worker/config.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** Bad input from the person at the keyboard: exit 2, with an optional JSON body. */
export class InputError extends Error {
  constructor(message: string, readonly json?: unknown) {
    super(message);
    this.name = 'InputError';
  }
}

export interface CommandContext {
  json: boolean;
  /** human text: always stderr, so stdout stays one JSON document */
  say(text: string): void;
  /** the result: JSON on stdout with --json, else the human rendering on stdout */
  result(json: unknown, human?: string): void;
}

export function createContext(json: boolean): CommandContext {
  return {
    json,
    say: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
    result(value, human) {
      if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
      else if (human !== undefined) process.stdout.write(human.endsWith('\n') ? human : human + '\n');
      else process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    },
  };
}

/** Maps an error to its exit code and prints it as the contract says. */
export function reportError(err: unknown, ctx: CommandContext): number {
  if (err instanceof InputError) {
    ctx.say(`错误：${err.message}`);
    if (ctx.json) process.stdout.write(JSON.stringify(err.json ?? { error: err.message }, null, 2) + '\n');
    return EXIT_BAD_INPUT;
  }
  if (err instanceof ConfigError) {
    ctx.say(err.message);
    if (ctx.json) process.stdout.write(JSON.stringify({ error: err.message, variable: err.variable }) + '\n');
    return EXIT_BAD_INPUT;
  }
  const e = err as Error;
  ctx.say(`失败：${e?.message ?? String(err)}`);
  if (process.env.DUBAN_DEBUG) ctx.say(e?.stack ?? '');
  if (ctx.json) process.stdout.write(JSON.stringify({ error: e?.message ?? String(err) }) + '\n');
  return EXIT_FAILURE;
}

/**
 * node:util parseArgs for a command, its mistakes (unknown option, missing
 * value) turned into an InputError that shows the command's usage: exit 2.
 */
export function parseCommandArgs<const O extends ParseArgsConfig['options']>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, allowPositionals: true, options, strict: true });
  } catch (err) {
    throw new InputError(`${(err as Error).message}\n${usage}`);
  }
}
