import { readdirSync, readFileSync } from 'node:fs';

/**
 * The command line of every process on this machine, as any local user sees it (`ps -eo args` reads
 * the same files): arguments joined by spaces. Processes that end while being read are skipped.
 */
function commandLines(): string[] {
  const lines: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
    } catch {
      // The process is gone.
    }
  }
  return lines;
}

/** The command lines that contain any of `needles`: a test expects none. */
export function commandLinesContaining(needles: string[]): string[] {
  return commandLines().filter((line) => needles.some((needle) => line.includes(needle)));
}
