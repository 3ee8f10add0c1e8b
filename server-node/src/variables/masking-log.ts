import { StringDecoder } from 'node:string_decoder';
import type { TaskLogWriter } from '../tasks/task-log.js';

export const MASK = '********';

/** Which of a script's outputs a chunk came from: each is masked on its own. */
export type OutputStream = 'stdout' | 'stderr';

/**
 * A line of a multi-line secret shorter than this is masked only as part of the whole secret: masking
 * a lone `{` or `}` of a JSON secret would mask every brace in the log, and it gives nothing away.
 */
const MIN_LINE_LENGTH = 4;

/** A line longer than this is written out before its end, so the log keeps moving. */
const MAX_HELD = 64 * 1024;

/**
 * What to mask: each secret, and each line of a multi-line secret (a script that prints the secret
 * a line at a time, or a masker that writes out a line before the next has come, would otherwise
 * show it line by line). Longest first, so at any position the longest match wins.
 */
function maskedTerms(secrets: Iterable<string>): string[] {
  const terms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    terms.add(secret);
    if (!secret.includes('\n')) continue;
    for (const line of secret.split('\n')) {
      const trimmed = line.trim();
      if (trimmed.length >= MIN_LINE_LENGTH) terms.add(trimmed);
    }
  }
  return [...terms].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One output stream's text not yet written: bytes of a cut character wait in the decoder. */
interface Held {
  decoder: StringDecoder;
  text: string;
}

/**
 * Writes a script's output to a task log with every sensitive value replaced by a mask.
 *
 * Each stream (stdout, stderr) is held back on its own until a line is complete, so a secret cut
 * across chunks is still whole when it is masked, even when the other stream writes in between, and
 * the log gets whole lines from each. Bytes are decoded per stream too, so a character cut between
 * two chunks cannot break a unicode secret. A line too long to hold is written out early, minus a
 * tail as long as the longest secret: a secret that has begun there is written once it is whole.
 */
export class MaskingLog {
  private readonly pattern: RegExp | null;
  private readonly longest: number;
  private readonly held = new Map<OutputStream, Held>();

  constructor(
    private readonly log: Pick<TaskLogWriter, 'write'>,
    secrets: Iterable<string>,
  ) {
    const terms = maskedTerms(secrets);
    this.pattern = terms.length > 0 ? new RegExp(terms.map(escapeRegExp).join('|'), 'g') : null;
    this.longest = terms[0]?.length ?? 0;
  }

  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text;
  }

  write(chunk: string | Buffer, stream: OutputStream = 'stdout'): void {
    const held = this.stream(stream);
    held.text += typeof chunk === 'string' ? chunk : held.decoder.write(chunk);
    const end = held.text.lastIndexOf('\n');
    if (end >= 0) {
      this.log.write(this.mask(held.text.slice(0, end + 1)));
      held.text = held.text.slice(end + 1);
    }
    if (held.text.length > MAX_HELD) {
      const cut = this.safeCut(held.text);
      if (cut > 0) this.log.write(this.mask(held.text.slice(0, cut)));
      held.text = held.text.slice(cut);
    }
  }

  line(text: string): void {
    this.flush();
    this.log.write(this.mask(text) + '\n');
  }

  /** Writes what is held back (the end of a script's output without a final newline), a line per stream. */
  flush(): void {
    for (const held of this.held.values()) {
      const text = held.text + held.decoder.end();
      if (text) this.log.write(this.mask(text) + '\n');
      held.text = '';
    }
  }

  private stream(stream: OutputStream): Held {
    let held = this.held.get(stream);
    if (!held) {
      held = { decoder: new StringDecoder('utf8'), text: '' };
      this.held.set(stream, held);
    }
    return held;
  }

  /**
   * Where to cut `text` so that both parts can be masked apart: before the last `longest - 1`
   * characters (where a secret may have begun and not yet ended), or after a secret that spans
   * that point.
   */
  private safeCut(text: string): number {
    if (!this.pattern) return text.length;
    let cut = Math.max(0, text.length - (this.longest - 1));
    for (const match of text.matchAll(this.pattern)) {
      const end = match.index + match[0].length;
      if (match.index < cut && end > cut) cut = end;
      if (match.index >= cut) break;
    }
    return cut;
  }
}
