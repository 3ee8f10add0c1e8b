import type { DomainHandlers } from '../../common/contract.js';
import type { ConsoleContext } from './console-context.js';

/** The one-click local sandbox cluster. */
export function sandboxHandlers({ sandbox }: ConsoleContext): DomainHandlers<'sandbox'> {
  return {
    'sandbox:start': () => sandbox.start(),
    'sandbox:stop': () => sandbox.stop(),
    'sandbox:status': () => Promise.resolve(sandbox.status),
  };
}
