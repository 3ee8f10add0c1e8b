import type { IpcMain } from 'electron';
import type { InvokeHandlers } from '../common/contract.js';
import { INVOKE_CHANNELS } from '../common/contract.js';
import { settle } from '../common/wire-error.js';

/**
 * One ipcMain handler per contract channel, generated from the channel list so none can be
 * forgotten. Failures travel as `{error: {name, message}}`: Electron would otherwise mangle the
 * message ("Error invoking remote method …").
 */
export function registerIpc(
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: InvokeHandlers,
): () => void {
  for (const channel of INVOKE_CHANNELS) {
    const handler = handlers[channel] as (...args: unknown[]) => Promise<unknown>;
    ipc.handle(channel, (_event, ...args: unknown[]) => settle(() => handler(...args)));
  }
  return () => INVOKE_CHANNELS.forEach((channel) => ipc.removeHandler(channel));
}
