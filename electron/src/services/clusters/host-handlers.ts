import type { DomainHandlers } from '../../common/contract.js';
import { INVOKE } from '../../common/contract.js';
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
    [INVOKE.hosts.list]: refuse,
    [INVOKE.hosts.probe]: refuse,
    [INVOKE.hosts.add]: refuse,
    [INVOKE.hosts.confirmKey]: refuse,
    [INVOKE.hosts.remove]: refuse,
    [INVOKE.hosts.provision]: refuse,
    [INVOKE.hosts.restart]: refuse,
    [INVOKE.hosts.rollingRestart]: refuse,
    [INVOKE.hosts.removeNode]: refuse,
    [INVOKE.hosts.replace]: refuse,
    [INVOKE.hosts.listActions]: refuse,
    [INVOKE.hosts.getSettings]: refuse,
    [INVOKE.hosts.setSettings]: refuse,
    [INVOKE.hosts.getWindowsInstall]: refuse,
  };
}
