import { contextBridge, ipcRenderer } from 'electron';
import { buildConsoleApi } from '../common/build-console-api.js';
import type { PushContract, PushEvent, PushMessage } from '../common/contract.js';
import { PUSH_IPC_CHANNEL } from '../common/contract.js';
import { unwrap, type WireResult } from '../common/wire-error.js';

// The page gets one object, `window.flotilla`, built from the contract: never ipcRenderer itself,
// never an IPC event (it would hand the page the sender), and failures as real Errors.

const listeners = new Map<PushEvent, Set<(payload: never) => void>>();

ipcRenderer.on(PUSH_IPC_CHANNEL, (_event, message: PushMessage) => {
  for (const listener of listeners.get(message.event) ?? []) listener(message.payload as never);
});

const api = buildConsoleApi(
  async (channel, args) => unwrap((await ipcRenderer.invoke(channel, ...args)) as WireResult),
  <E extends PushEvent>(event: E, listener: (payload: PushContract[E]) => void) => {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(listener);
    return () => void set.delete(listener);
  },
);

contextBridge.exposeInMainWorld('flotilla', api);
