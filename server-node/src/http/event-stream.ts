import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventDto } from '../api/index.js';
import type { Db } from '../sql/db.js';
import { latestEventSeq, oldestEventSeq, readEventsAfter } from '../sql/events.js';

const BATCH = 500;
/** How long a hole in the sequence may be waited on: a transaction that took a number may still commit. */
const GAP_WAIT_MS = 2000;
const KEEPALIVE_MS = 15_000;
/**
 * Streams poll the events table: events carry no NOTIFY (see migration 001), and a console must
 * see a change within a second. A hole in the sequence is re-checked sooner.
 */
const POLL_MS = 250;
const GAP_POLL_MS = 50;

/**
 * Delivers events strictly in sequence order. Sequence numbers are taken when a transaction
 * inserts, not when it commits, so a higher number can become visible before a lower one.
 * Delivering past a hole would lose the lower event forever for a client that resumes with
 * Last-Event-ID; so a hole is waited on (GAP_WAIT_MS) before it is taken to be a rolled-back one.
 */
export class EventCursor {
  private gapSince: number | null = null;

  constructor(public last: bigint) {}

  take(rows: EventDto[], now = Date.now()): EventDto[] {
    const out: EventDto[] = [];
    for (const row of rows) {
      const seq = BigInt(row.seq);
      if (seq <= this.last) continue;
      if (seq !== this.last + 1n) {
        this.gapSince ??= now;
        if (now - this.gapSince < GAP_WAIT_MS) break;
      }
      this.gapSince = null;
      this.last = seq;
      out.push(row);
    }
    return out;
  }
}

function parseLastEventId(request: FastifyRequest): bigint | null {
  const header = request.headers['last-event-id'];
  const query = (request.query as { since?: string }).since;
  const raw = (Array.isArray(header) ? header[0] : header) ?? query;
  if (raw === undefined || raw === '') return null;
  return /^\d+$/.test(raw) ? BigInt(raw) : null;
}

export async function streamEvents(db: Db, request: FastifyRequest, reply: FastifyReply) {
  const resumeFrom = parseLastEventId(request);
  const start = resumeFrom ?? (await latestEventSeq(db));
  const cursor = new EventCursor(start);
  const controller = new AbortController();
  request.raw.on('close', () => controller.abort());

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: 1000\n\n`);
  if (resumeFrom !== null) {
    // The client asked for events that were pruned: tell it to reload its state instead of trusting a gap.
    const oldest = await oldestEventSeq(db);
    if (oldest !== null && oldest > resumeFrom + 1n) {
      res.write(`event: reset\ndata: ${JSON.stringify({ oldestSeq: oldest.toString() })}\n\n`);
      cursor.last = oldest - 1n;
    }
  }
  let lastWrite = Date.now();
  while (!controller.signal.aborted) {
    const rows = await readEventsAfter(db, cursor.last, BATCH).catch(() => [] as EventDto[]);
    const ready = cursor.take(rows);
    for (const event of ready) {
      res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
    if (ready.length > 0) lastWrite = Date.now();
    if (Date.now() - lastWrite > KEEPALIVE_MS) {
      res.write(`: keepalive\n\n`);
      lastWrite = Date.now();
    }
    if (ready.length === BATCH) continue;
    await sleep(ready.length < rows.length ? GAP_POLL_MS : POLL_MS, undefined, {
      signal: controller.signal,
    }).catch(() => undefined);
  }
  res.end();
}
