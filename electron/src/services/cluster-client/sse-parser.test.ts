import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('parses messages split anywhere, with ids, types, multi-line data, comments and retry', () => {
    const parser = new SseParser();
    const text =
      'retry: 1000\n\n: keepalive\n\nid: 7\nevent: node.state\ndata: {"a":\ndata: 1}\n\nid: 8\r\ndata: x\r\n\r\n';
    const out = [];
    for (const char of text) out.push(...parser.push(char));
    expect(out).toEqual([
      { id: '7', event: 'node.state', data: '{"a":\n1}' },
      { id: '8', event: 'message', data: 'x' },
    ]);
    expect(parser.retryMs).toBe(1000);
  });

  it('keeps the last id for messages that do not repeat it', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\ndata: a\n\ndata: b\n\n').map((m) => m.id)).toEqual(['3', '3']);
  });
});
