import type { ConsoleApi, InvokeChannel, PushContract, PushEvent } from './contract.js';
import { INVOKE_CHANNELS } from './contract.js';

export type InvokeFn = (channel: InvokeChannel, args: unknown[]) => Promise<unknown>;
export type SubscribeFn = <E extends PushEvent>(
  event: E,
  listener: (payload: PushContract[E]) => void,
) => () => void;

/**
 * Builds the namespaced API (`api.nodes.setDrain(...)`) from the channel list, so the preload and the
 * WebSocket transport expose the same shape and a new channel needs no hand-written binding.
 */
export function buildConsoleApi(invoke: InvokeFn, subscribe: SubscribeFn): ConsoleApi {
  const domains: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const channel of INVOKE_CHANNELS) {
    const [domain, verb] = splitChannel(channel);
    domains[domain] ??= {};
    domains[domain][verb] = (...args: unknown[]) => invoke(channel, args);
  }
  // The mapped type cannot be built key by key in a way the compiler follows; the loop above covers every channel.
  return { ...domains, on: subscribe } as unknown as ConsoleApi;
}

export function splitChannel(channel: InvokeChannel): [string, string] {
  const at = channel.indexOf(':');
  return [channel.slice(0, at), channel.slice(at + 1)];
}
