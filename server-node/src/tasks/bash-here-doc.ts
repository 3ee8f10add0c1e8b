import { randomBytes } from 'node:crypto';

/**
 * Lines of a bash program (one fed to `bash -s`) that run `script` in a child bash. The child reads
 * the script from a here-document on file descriptor 3, so the text, with any secret substituted
 * into it, is in no process's arguments: `ps` shows `bash /dev/fd/3`. Bash keeps a here-document in
 * a pipe or in a 0600 temporary file it has already unlinked. The script's input is /dev/null, so a
 * command that reads its input cannot swallow the rest of the program.
 *
 * `command` may wrap the command line, e.g. to add `|| status=$?` or `exec`.
 */
export function bashHereDoc(script: string, command: (run: string) => string = (run) => run): string[] {
  const end = `FLOTILLA_SCRIPT_END_${randomBytes(8).toString('hex')}`;
  return [command(`bash /dev/fd/3 3<<'${end}' </dev/null`), script, end];
}
