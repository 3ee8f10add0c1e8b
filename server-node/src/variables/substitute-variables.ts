import type { ResolvedVariable } from './variable-rows.js';

/**
 * Replaces `#{Name}` with the variable's value (Octopus' syntax, so scripts move over unchanged).
 * An unknown name is left as it is, so a typo shows up in the script's output rather than vanishing.
 */
export function substituteVariables(text: string, variables: ReadonlyMap<string, ResolvedVariable>): string {
  return text.replace(
    /#\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g,
    (whole, name: string) => variables.get(name)?.value ?? whole,
  );
}
