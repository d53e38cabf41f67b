// The CLI contract (DESIGN.md): with --json, one JSON document on stdout and
// human text on stderr; exit 0 ok, 1 failure, 2 bad input.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { debugEnabled } from '../lib/config.ts';
import { BadInputError, detailsOf, exitCodeOf, kindOf, messageOf } from '../lib/errors.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

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

/**
 * Prints a failure as the contract says and returns its exit code. The kind
 * decides everything (lib/errors.ts): the exit code, and whether it is the
 * person's input (错误) or Duban's own trouble (失败).
 */
export function reportError(err: unknown, ctx: CommandContext): number {
  const kind = kindOf(err);
  const message = messageOf(err);
  ctx.say(`${kind === 'BadInput' || kind === 'Refused' ? '错误' : '失败'}：${message}`);
  if (!kind && debugEnabled() && err instanceof Error) ctx.say(err.stack ?? '');
  if (ctx.json)
    process.stdout.write(
      JSON.stringify({ error: message, kind: kind ?? 'Internal', ...detailsOf(err) }, null, 2) + '\n',
    );
  return exitCodeOf(err);
}

/**
 * node:util parseArgs for a command, its mistakes (unknown option, missing
 * value) turned into an InputError that shows the command's usage: exit 2.
 */
export function parseCommandArgs<const O extends ParseArgsConfig['options']>(
  args: string[],
  options: O,
  usage: string,
) {
  try {
    return parseArgs({ args, allowPositionals: true, options, strict: true });
  } catch (err) {
    throw new BadInputError(`${(err as Error).message}\n${usage}`);
  }
}
