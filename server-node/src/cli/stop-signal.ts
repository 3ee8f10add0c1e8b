/**
 * Resolves at the first SIGINT or SIGTERM. Call it before starting anything, so a Ctrl+C during
 * start-up is kept and the command stops right after start-up instead of running on.
 */
export function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
