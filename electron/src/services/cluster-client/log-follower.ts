export interface LogFollowerOptions {
  /** Opens the stream (a task's log, a node's log) with `?follow=1`. */
  open: (signal: AbortSignal) => Promise<Response>;
  onText: (text: string) => void;
  onEnd: (error: Error | null) => void;
}

/** Streams a log as it is written until the server ends it (a task ends) or stop() lets go of it. */
export class LogFollower {
  private readonly controller = new AbortController();

  constructor(private readonly options: LogFollowerOptions) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.controller.abort();
  }

  private async run(): Promise<void> {
    const { open, onText, onEnd } = this.options;
    try {
      const response = await open(this.controller.signal);
      const decoder = new TextDecoder();
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        if (text) onText(text);
      }
      onEnd(null);
    } catch (error) {
      if (this.controller.signal.aborted) return;
      onEnd(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
