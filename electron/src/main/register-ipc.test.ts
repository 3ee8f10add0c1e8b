import { describe, expect, it } from 'vitest';
import type { InvokeHandlers } from '../common/contract.js';
import { INVOKE } from '../common/contract.js';
import { INVOKE_CHANNELS } from '../common/contract.js';
import { UserError } from '../common/user-error.js';
import { registerIpc } from './register-ipc.js';

type Listener = (event: unknown, ...args: unknown[]) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  return {
    handlers,
    handle: (channel: string, listener: Listener) => void handlers.set(channel, listener),
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
}

describe('registerIpc', () => {
  it('registers a handler for every channel, passes the arguments without the IPC event, and unregisters them', async () => {
    const ipc = fakeIpcMain();
    const handlers = Object.fromEntries(
      INVOKE_CHANNELS.map((channel) => [channel, (...args: unknown[]) => Promise.resolve({ channel, args })]),
    ) as unknown as InvokeHandlers;
    const unregister = registerIpc(ipc as never, handlers);
    expect([...ipc.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(await ipc.handlers.get(INVOKE.nodes.setTaskCap)!({ sender: 'secret' }, 'node-1', 4)).toEqual({
      result: { channel: INVOKE.nodes.setTaskCap, args: ['node-1', 4] },
    });
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });

  it('sends failures as {error: {name, message}}', async () => {
    const ipc = fakeIpcMain();
    const handlers = Object.fromEntries(
      INVOKE_CHANNELS.map((channel) => [
        channel,
        () => Promise.reject(new UserError(`${channel} failed: do this`)),
      ]),
    ) as unknown as InvokeHandlers;
    registerIpc(ipc as never, handlers);
    expect(await ipc.handlers.get(INVOKE.nodes.remove)!({}, 'node-1')).toEqual({
      error: { name: 'UserError', message: 'nodes:remove failed: do this' },
    });
  });
});
