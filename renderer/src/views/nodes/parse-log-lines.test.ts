import { describe, expect, it } from 'vitest';
import { parseLogLines } from './parse-log-lines';

describe('parseLogLines', () => {
  it('reads pino lines, keeps other fields, and shows odd lines as they are', () => {
    const text = [
      '{"level":40,"time":1700000000000,"pid":1,"hostname":"h","name":"node-1","msg":"heartbeat failed","err":"timeout"}',
      'not json at all: "quotes" \u0000 and ünïcode',
      '{"level":50,"msg":"nested","detail":{"a":[1,2]}}',
      '',
      '42',
    ].join('\n');
    const lines = parseLogLines(text);
    expect(lines.map((line) => [line.levelName, line.msg, line.fields])).toEqual([
      ['warn', 'heartbeat failed', 'err=timeout'],
      ['text', 'not json at all: "quotes" \u0000 and ünïcode', ''],
      ['error', 'nested', 'detail={"a":[1,2]}'],
      ['text', '42', ''],
    ]);
    expect(lines[0]!.time).toBe(1700000000000);
  });
});
