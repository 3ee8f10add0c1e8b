import type { DomainHandlers } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import type { ConsoleContext } from './console-context.js';

/** The Hosts view (inventory, provisioning, node actions over SSH), or a refusal where the console has none. */
export function hostHandlers({ hosts }: ConsoleContext): DomainHandlers<'hosts'> {
  return hosts?.handlers ?? unavailableHosts();
}

function unavailableHosts(): DomainHandlers<'hosts'> {
  const refuse = () =>
    Promise.reject(new UserError('Hosts and provisioning are not available in this console.'));
  return {
    'hosts:list': refuse,
    'hosts:probe': refuse,
    'hosts:add': refuse,
    'hosts:confirmKey': refuse,
    'hosts:remove': refuse,
    'hosts:provision': refuse,
    'hosts:restart': refuse,
    'hosts:rollingRestart': refuse,
    'hosts:removeNode': refuse,
    'hosts:replace': refuse,
    'hosts:actions': refuse,
    'hosts:settings': refuse,
    'hosts:saveSettings': refuse,
  };
}
