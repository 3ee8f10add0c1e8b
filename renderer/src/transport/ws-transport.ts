import { buildConsoleApi } from '@flotilla/electron/common/build-console-api';
import type { ConsoleApi, InvokeChannel, PushContract, PushEvent } from '@flotilla/electron/common/contract';
import { fromWireError } from '@flotilla/electron/common/wire-error';
import type { ServerMessage } from '@flotilla/electron/common/ws-protocol';
import { WS_PATH } from '@flotilla/electron/common/ws-protocol';
import { useBridgeStore } from '../stores/bridge-store';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The contract over the web host's WebSocket: requests matched to replies by id, push events fanned
 * out to listeners, and a reconnect (with every query refreshed) when the console process restarts.
 */
export function createWsTransport(token: string, onReconnected: () => void): ConsoleApi {
  const listeners = new Map<PushEvent, Set<(payload: never) => void>>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opened: Promise<WebSocket> | null = null;
  let everConnected = false;

  const connect = (): Promise<WebSocket> => {
    opened ??= new Promise((resolve) => {
      const ws = new WebSocket(`ws://${location.host}${WS_PATH}?token=${encodeURIComponent(token)}`);
      ws.onopen = () => {
        socket = ws;
        useBridgeStore.getState().setConnected(true);
        if (everConnected) onReconnected();
        everConnected = true;
        resolve(ws);
      };
      ws.onmessage = (message) => dispatch(JSON.parse(String(message.data)) as ServerMessage);
      ws.onclose = () => {
        socket = null;
        opened = null;
        useBridgeStore.getState().setConnected(false);
        for (const request of pending.values()) {
          request.reject(
            new Error('The connection to the console process was lost. It reconnects by itself; try again.'),
          );
        }
        pending.clear();
        setTimeout(() => void connect(), 1000);
      };
    });
    return opened;
  };

  const dispatch = (message: ServerMessage) => {
    if (message.id === undefined) {
      for (const listener of listeners.get(message.event) ?? []) listener(message.payload as never);
      return;
    }
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    if ('error' in message) request.reject(fromWireError(message.error));
    else request.resolve(message.result);
  };

  const invoke = async (channel: InvokeChannel, args: unknown[]) => {
    const ws = socket ?? (await connect());
    const id = nextId++;
    return new Promise<unknown>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, channel, args }));
    });
  };

  const subscribe = <E extends PushEvent>(event: E, listener: (payload: PushContract[E]) => void) => {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(listener);
    return () => void set.delete(listener);
  };

  void connect();
  return buildConsoleApi(invoke, subscribe);
}
