import type { ClusterApi } from './cluster-api.js';

export interface TaskLogFollowerOptions {
  api: ClusterApi;
  taskId: string;
  onText: (text: string) => void;
  onEnd: (error: Error | null) => void;
}

/** Streams a task's log as it is written (`?follow=1` ends when the task does); stop() lets go of it early. */
export class TaskLogFollower {
  private readonly controller = new AbortController();

  constructor(private readonly options: TaskLogFollowerOptions) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.controller.abort();
  }

  private async run(): Promise<void> {
    const { api, taskId, onText, onEnd } = this.options;
    try {
      const response = await api.followTaskLog(taskId, this.controller.signal);
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
