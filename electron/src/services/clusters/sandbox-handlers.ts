import type { DomainHandlers } from '../../common/contract.js';
import { INVOKE } from '../../common/contract.js';
import type { ConsoleContext } from './console-context.js';

/** The one-click local sandbox cluster. */
export function sandboxHandlers({ sandbox }: ConsoleContext): DomainHandlers<'sandbox'> {
  return {
    [INVOKE.sandbox.start]: () => sandbox.start(),
    [INVOKE.sandbox.stop]: () => sandbox.stop(),
    [INVOKE.sandbox.getStatus]: () => Promise.resolve(sandbox.status),
  };
}
