import type { EventDto } from '@flotilla/server-node/api';
import type { ClusterApi } from './cluster-api.js';
import { SseParser } from './sse-parser.js';

export interface EventStreamStatus {
  state: 'connecting' | 'connected' | 'reconnecting' | 'stopped';
  via: string | null;
  error: string | null;
  lastEventId: string | null;
}

export interface ClusterEventStreamOptions {
  /** Resume after this event (the SSE id is the event's `seq`). */
  lastEventId?: string | null;
  onEvent: (event: EventDto) => void;
  /** The server pruned events we asked for: reload everything instead of trusting a gap. */
  onReset?: () => void;
  onStatus?: (status: EventStreamStatus) => void;
  /** Longest wait between reconnection rounds (the server's `retry:` is used when shorter). */
  maxRetryMs?: number;
  /** No byte for this long (the server sends a keepalive every 15 s) means the connection is dead. */
  idleTimeoutMs?: number;
}

/**
 * The cluster's event stream, kept open: through the balancer, then straight to the nodes when the
 * balancer does not answer, always resuming with Last-Event-ID so no event is lost or repeated when
 * the node serving it dies.
 */
export class ClusterEventStream {
  private controller: AbortController | null = null;
  private stopped = false;
  private lastEventId: string | null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly api: ClusterApi,
    private readonly options: ClusterEventStreamOptions,
  ) {
    this.lastEventId = options.lastEventId ?? null;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    await this.running;
    this.status('stopped', null, null);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let retryMs = 1000;
    while (!this.stopped) {
      this.status(failures === 0 && this.lastEventId === null ? 'connecting' : 'reconnecting', null, null);
      const parser = new SseParser();
      let via: string | null = null;
      let error: string | null = null;
      try {
        via = await this.readOnce(parser);
        failures = 0;
      } catch (caught) {
        if (this.stopped) break;
        error = caught instanceof Error ? caught.message : String(caught);
        failures++;
      }
      if (this.stopped) break;
      // The stream ended (its node died, or the balancer cut it): that endpoint goes to the back of the line.
      if (via) this.api.http.markDown(via);
      retryMs = Math.min(parser.retryMs ?? retryMs, this.options.maxRetryMs ?? 1000);
      this.status('reconnecting', null, error);
      // First retry at once (another endpoint is likely up); back off only when all keep failing.
      if (failures > 0) await sleep(Math.min(retryMs * failures, 5000), this.controller?.signal);
    }
  }

  /** Reads one connection until it ends; returns the URL it was read from. */
  private async readOnce(parser: SseParser): Promise<string> {
    const controller = new AbortController();
    this.controller = controller;
    const { response, url } = await this.api.events(this.lastEventId, controller.signal);
    this.status('connected', url, null);
    const idleMs = this.options.idleTimeoutMs ?? 25_000;
    let idle = setTimeout(() => controller.abort(), idleMs);
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        clearTimeout(idle);
        idle = setTimeout(() => controller.abort(), idleMs);
        for (const message of parser.push(decoder.decode(chunk, { stream: true }))) this.deliver(message);
      }
    } catch (error) {
      // An aborted read is how stop() and the idle timeout end a connection: not worth reporting.
      if (!(error instanceof Error && error.name === 'AbortError')) throw error;
    } finally {
      clearTimeout(idle);
    }
    return url;
  }

  private deliver(message: { id: string | null; event: string; data: string }): void {
    if (message.event === 'reset') {
      this.options.onReset?.();
      return;
    }
    const event = JSON.parse(message.data) as EventDto;
    this.lastEventId = message.id ?? event.seq;
    this.options.onEvent(event);
  }

  private status(state: EventStreamStatus['state'], via: string | null, error: string | null): void {
    this.options.onStatus?.({ state, via, error, lastEventId: this.lastEventId });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
