import type { ConsoleApi } from '@flotilla/electron/common/contract';
import { createWsTransport } from './ws-transport';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser, where the web host's WebSocket is used. */
    flotilla?: ConsoleApi;
  }
}

const TOKEN_KEY = 'flotilla-console-token';

/** The per-run token from the URL, kept for reloads of this tab and taken out of the address bar. */
function takeToken(): string {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

let api: ConsoleApi | null = null;
const reconnectListeners = new Set<() => void>();

export function consoleApi(): ConsoleApi {
  api ??=
    window.flotilla ??
    createWsTransport(takeToken(), () => reconnectListeners.forEach((listener) => listener()));
  return api;
}

/** Called when the web host's WebSocket comes back after a drop: cached data may be stale. */
export function onBridgeReconnected(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => void reconnectListeners.delete(listener);
}
