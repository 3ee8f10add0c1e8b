// Everything human-readable goes to stderr: stdout carries exactly one JSON object for whoever runs
// the suite (CI, or an engineer piping it into jq).

/** One progress line, with the wall-clock time so a slow step can be matched with the node logs. */
export function say(message: string): void {
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${message}\n`);
}
