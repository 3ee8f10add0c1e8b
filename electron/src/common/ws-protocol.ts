import type { InvokeChannel, PushMessage } from './contract.js';
import type { WireError } from './wire-error.js';

// The web host's WebSocket carries the same contract as Electron IPC, as JSON messages.

/** Where the bridge listens, beside the static files; the per-run token goes in its query string. */
export const WS_PATH = '/console-bridge';

export interface InvokeRequest {
  id: number;
  channel: InvokeChannel;
  args: unknown[];
}

export type InvokeReply = { id: number; result: unknown } | { id: number; error: WireError };

export type ServerMessage = InvokeReply | ({ id?: undefined } & PushMessage);
