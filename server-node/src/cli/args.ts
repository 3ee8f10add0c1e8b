import { parseArgs } from 'node:util';
import { UserError } from '../user-error.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
  required?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
}

export function usage(spec: CommandSpec): string {
  const lines = [`Usage: flotilla-node ${spec.name} [options]`, '', spec.summary, '', 'Options:'];
  for (const [name, option] of Object.entries(spec.options)) {
    const flag = option.type === 'string' ? `--${name} VALUE` : `--${name}`;
    lines.push(`  ${flag.padEnd(26)} ${option.help}${option.required ? ' (required)' : ''}`);
  }
  lines.push(`  ${'--help'.padEnd(26)} show this help`);
  return lines.join('\n');
}

/** Parses argv strictly: unknown options, missing values and missing required options are UserErrors. */
export function parseCommandArgs(
  spec: CommandSpec,
  argv: string[],
): Record<string, string | boolean | undefined> | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.entries(spec.options).map(([name, option]) => [name, { type: option.type }]),
    );
    values = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UserError(`${(error as Error).message}\n\n${usage(spec)}`);
  }
  if (values.help) {
    console.log(usage(spec));
    return null;
  }
  for (const [name, option] of Object.entries(spec.options)) {
    if (option.required && values[name] === undefined) {
      throw new UserError(`Missing --${name}.\n\n${usage(spec)}`);
    }
  }
  return values;
}

export function intOption(
  value: string | boolean | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(number) || number < min || number > max) {
    throw new UserError(`--${name} must be a whole number from ${min} to ${max}, got '${String(value)}'.`);
  }
  return number;
}

export function boolOption(value: string | boolean | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UserError(`--${name} must be true or false, got '${String(value)}'.`);
}

export function hostPortOption(value: string, name: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535)
    throw new UserError(`--${name} must be HOST:PORT (e.g. 0.0.0.0:8300), got '${value}'.`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}
