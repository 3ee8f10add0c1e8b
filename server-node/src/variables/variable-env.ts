import type { ResolvedVariable } from './variable-rows.js';

/**
 * Linux refuses to start any program whose environment holds a string over 128 KiB; a larger value
 * would break every command of the script, so it is left out (and still works as `#{Name}`).
 */
export const MAX_ENV_BYTES = 96 * 1024;

/**
 * Every variable as an environment variable of a step's scripts: `FLOTILLA_VAR_` + its name with
 * `.` and `-` as `_` (`Db.Password` → `FLOTILLA_VAR_Db_Password`). Unlike `#{Name}`, which pastes the
 * value into the script's text where the shell parses it, `"$FLOTILLA_VAR_Name"` is taken literally
 * whatever it holds: quotes, `$`, backticks, newlines. `tooLarge` maps the environment names left
 * out to their variables.
 */
export function variableEnv(variables: ReadonlyMap<string, ResolvedVariable>): {
  env: Record<string, string>;
  tooLarge: Map<string, string>;
} {
  const env: Record<string, string> = {};
  const tooLarge = new Map<string, string>();
  for (const [name, { value }] of variables) {
    const key = `FLOTILLA_VAR_${name.replace(/[.-]/g, '_')}`;
    if (Buffer.byteLength(value) > MAX_ENV_BYTES) tooLarge.set(key, name);
    else env[key] = value;
  }
  return { env, tooLarge };
}
