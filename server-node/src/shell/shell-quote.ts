// Quoting for a POSIX shell, one rule for the node (deploy steps over SSH) and the console
// (provisioning over SSH, "Show the commands"): plain words stay readable, anything else is one
// single-quoted literal word.

/** Quotes one argument for a POSIX shell: the result is always one literal word. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A command line for a POSIX shell from an argument vector. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
