import type { DomainHandlers } from '../../common/contract.js';
import type { ConsoleContext } from './console-context.js';

/** The HA migration wizard: the plan, the engine's steps on the source, new nodes and the smoke test. */
export function migrationHandlers({ migrations }: ConsoleContext): DomainHandlers<'migrations'> {
  return migrations.handlers;
}
