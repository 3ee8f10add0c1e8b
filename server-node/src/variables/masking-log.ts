import type { TaskLogWriter } from '../tasks/task-log.js';

export const MASK = '********';

/**
 * Writes to a task log with every sensitive value replaced by a mask. Output is held back until a
 * line is complete, so a secret split across two chunks of a script's output is still caught.
 */
export class MaskingLog {
  private pending = '';
  private readonly secrets: string[];

  constructor(
    private readonly log: TaskLogWriter,
    secrets: Iterable<string>,
  ) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set(secrets)]
      .filter((secret) => secret.length > 0)
      .sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let masked = text;
    for (const secret of this.secrets) masked = masked.split(secret).join(MASK);
    return masked;
  }

  write(chunk: string | Buffer): void {
    this.pending += chunk.toString();
    const end = this.pending.lastIndexOf('\n');
    if (end < 0) {
      // A very long line without a newline is flushed anyway so the log keeps moving.
      if (this.pending.length > 64 * 1024) this.flush();
      return;
    }
    this.log.write(this.mask(this.pending.slice(0, end + 1)));
    this.pending = this.pending.slice(end + 1);
  }

  line(text: string): void {
    this.flush();
    this.log.write(this.mask(text) + '\n');
  }

  /** Writes what is held back (the end of a script's output without a final newline). */
  flush(): void {
    if (this.pending) this.log.write(this.mask(this.pending) + '\n');
    this.pending = '';
  }
}
