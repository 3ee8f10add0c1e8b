/** Quotes one argument for a POSIX shell: the remote side of `exec` always runs through one. */
export function quoteShellArg(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A command line for a POSIX shell from an argument vector. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(quoteShellArg).join(' ');
}
