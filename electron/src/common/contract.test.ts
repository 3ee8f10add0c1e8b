import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterStore } from '../services/clusters/cluster-store.js';
import { ConsoleBackend } from '../services/clusters/console-backend.js';
import { MemoryVault } from '../services/vault/memory-vault.js';
import { buildConsoleApi, splitChannel } from './build-console-api.js';
import { INVOKE, INVOKE_CHANNELS, PUSH_EVENTS, isInvokeChannel, type ConsoleApi } from './contract.js';
import { tempDir } from '../services/test-support/temp-dir.js';

async function backend() {
  const dir = await tempDir('contract');
  return new ConsoleBackend({
    store: new ClusterStore(path.join(dir, 'clusters.json'), new MemoryVault()),
    push: () => undefined,
    info: { transport: 'web', version: '0', configDir: dir },
    sandbox: { cliPath: 'none', dir },
  });
}

describe('the contract', () => {
  it('names every channel domain:verb and every push event once', () => {
    for (const channel of INVOKE_CHANNELS) expect(channel).toMatch(/^[a-z]+:[a-z][A-Za-z]*$/);
    expect(new Set(INVOKE_CHANNELS).size).toBe(INVOKE_CHANNELS.length);
    expect(new Set(PUSH_EVENTS).size).toBe(PUSH_EVENTS.length);
    expect(isInvokeChannel(INVOKE.nodes.setDrain)).toBe(true);
    expect(isInvokeChannel('toString')).toBe(false);
  });

  it('names domains as the rule at the top of contract.ts says: plural, but for what the console has one of', () => {
    const single = ['console', 'sandbox', 'balancer', 'directory'];
    for (const channel of [...INVOKE_CHANNELS, ...PUSH_EVENTS]) {
      const domain = channel.slice(0, channel.indexOf(':'));
      expect(domain.endsWith('s') || single.includes(domain), channel).toBe(true);
    }
  });

  it('has a handler for every channel, and nothing else', async () => {
    const { handlers } = await backend();
    expect(Object.keys(handlers).sort()).toEqual([...INVOKE_CHANNELS].sort());
    for (const channel of INVOKE_CHANNELS) expect(typeof handlers[channel]).toBe('function');
  });

  it('binds every channel in the namespaced API both transports expose', async () => {
    const calls: [string, unknown[]][] = [];
    const api = buildConsoleApi(
      (channel, args) => {
        calls.push([channel, args]);
        return Promise.resolve(null);
      },
      () => () => undefined,
    );
    for (const channel of INVOKE_CHANNELS) {
      const [domain, verb] = splitChannel(channel);
      const bound = (
        api as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>
      )[domain]?.[verb];
      expect(bound, channel).toBeTypeOf('function');
      await bound!('a', 1);
    }
    expect(calls.map(([channel]) => channel)).toEqual(INVOKE_CHANNELS);
    expect(calls[0]![1]).toEqual(['a', 1]);
  });

  it('answers the UI without a cluster selected with what to do', async () => {
    const { handlers } = await backend();
    expect(await handlers[INVOKE.clusters.getSnapshot]()).toBeNull();
    await expect(handlers[INVOKE.nodes.setDrain]('node-1', true)).rejects.toThrow(
      /No cluster is selected. Add a cluster or start the local sandbox/,
    );
    await expect(handlers[INVOKE.nodes.setTaskCap]('node-1', -1)).rejects.toThrow(/whole number from 0/);
  });

  it('answers the hosts channels of a console without a hosts service, rather than leaving them unbound', async () => {
    const { handlers } = await backend();
    await expect(handlers[INVOKE.hosts.list]()).rejects.toThrow(/not available in this console/);
  });
});

// A compile-time check as well: the API type has a function per channel (this line fails to build if not).
export type _Check = ConsoleApi['nodes']['setDrain'] extends (
  name: string,
  drain: boolean,
) => Promise<unknown>
  ? true
  : never;
