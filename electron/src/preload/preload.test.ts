import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleApi } from '../common/contract.js';
import { INVOKE, INVOKE_CHANNELS, PUSH, PUSH_IPC_CHANNEL } from '../common/contract.js';

// The real preload, with Electron replaced by recorders: what it hands the page is all the page gets.
const exposed = new Map<string, unknown>();
const invoked: unknown[][] = [];
const pushListeners: ((event: unknown, message: unknown) => void)[] = [];
const replies = new Map<string, unknown>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: {
    invoke: (channel: string, ...args: unknown[]) => {
      invoked.push([channel, ...args]);
      return Promise.resolve(replies.get(channel) ?? { result: null });
    },
    on: (channel: string, listener: (event: unknown, message: unknown) => void) => {
      if (channel === PUSH_IPC_CHANNEL) pushListeners.push(listener);
    },
  },
}));

describe('preload', () => {
  beforeEach(async () => {
    await import('./preload.js');
  });

  it('exposes only window.flotilla, with a binding for every channel and no ipcRenderer', async () => {
    expect([...exposed.keys()]).toEqual(['flotilla']);
    const api = exposed.get('flotilla') as Record<string, Record<string, unknown>>;
    for (const channel of INVOKE_CHANNELS) {
      const [domain, verb] = channel.split(':') as [string, string];
      expect(api[domain]?.[verb], channel).toBeTypeOf('function');
    }
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/ipc/i);
    await (exposed.get('flotilla') as ConsoleApi).nodes.setDrain('node-2', true);
    expect(invoked.at(-1)).toEqual([INVOKE.nodes.setDrain, 'node-2', true]);
  });

  it('rebuilds failures as Errors with their name and message', async () => {
    replies.set(INVOKE.nodes.remove, {
      error: { name: 'ClusterRequestError', message: "Node 'node-1' is still running." },
    });
    const api = exposed.get('flotilla') as ConsoleApi;
    const failure = api.nodes.remove('node-1');
    await expect(failure).rejects.toBeInstanceOf(Error);
    await expect(failure).rejects.toMatchObject({
      name: 'ClusterRequestError',
      message: "Node 'node-1' is still running.",
    });
  });

  it('delivers push events without the IPC event, until unsubscribed', () => {
    const api = exposed.get('flotilla') as ConsoleApi;
    const seen: unknown[] = [];
    const off = api.on(PUSH.sandbox.status, (payload) => seen.push(payload));
    for (const listener of pushListeners)
      listener({ sender: 'not for the page' }, { event: PUSH.sandbox.status, payload: { state: 'running' } });
    off();
    for (const listener of pushListeners)
      listener({}, { event: PUSH.sandbox.status, payload: { state: 'stopped' } });
    expect(seen).toEqual([{ state: 'running' }]);
  });
});
