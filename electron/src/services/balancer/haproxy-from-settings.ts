import {
  HAPROXY_DEFAULT_PATHS,
  type BalancerSettingsDto,
  type BalancerSettingsInputDto,
  type HaproxyPathsDto,
} from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import type { SshConnection } from '../ssh/index.js';
import type { BalancerHost } from './balancer-host.js';
import { HaproxyBalancer } from './haproxy-balancer.js';
import { LazySshBalancerHost } from './lazy-ssh-balancer-host.js';
import { LocalBalancerHost } from './local-balancer-host.js';

/** Signs in to a host of the cluster's inventory (its key pinned), for an HAProxy that runs there. */
export type InventoryHostOpener = (hostId: string) => Promise<SshConnection>;

/** The setting to save: HAProxy's paths trimmed, the defaults where the admin left one empty. */
export function balancerSettings(
  input: BalancerSettingsInputDto,
  /** For HAProxy on a host: the host's address as the inventory has it. */
  address?: string,
): BalancerSettingsDto {
  if (input.kind !== 'haproxy') return { kind: 'builtin' };
  const path = (key: keyof HaproxyPathsDto) => input[key]?.trim() || HAPROXY_DEFAULT_PATHS[key];
  const paths: HaproxyPathsDto = {
    configFile: path('configFile'),
    runtimeSocket: path('runtimeSocket'),
    masterSocket: path('masterSocket'),
    stateFile: path('stateFile'),
  };
  if (input.where === 'local') return { kind: 'haproxy', where: 'local', ...paths };
  if (!address) throw new UserError('Choose the host HAProxy runs on from the Hosts view.');
  return { kind: 'haproxy', where: 'host', hostId: input.hostId, address, ...paths };
}

/**
 * The HAProxy a cluster's setting names, or null for the built-in balancer. One on a host is reached
 * over SSH through `openHost`; a console without the Hosts view cannot reach it.
 */
export function haproxyFromSettings(
  settings: BalancerSettingsDto | undefined,
  openHost?: InventoryHostOpener,
): HaproxyBalancer | null {
  if (settings?.kind !== 'haproxy') return null;
  const { configFile, runtimeSocket, masterSocket, stateFile } = settings;
  let host: BalancerHost;
  if (settings.where === 'host') {
    const { hostId, address } = settings;
    host = new LazySshBalancerHost(
      () =>
        openHost
          ? openHost(hostId)
          : Promise.reject(
              new UserError(`HAProxy on ${address} needs the Hosts view, which this console lacks.`),
            ),
      address,
    );
  } else {
    host = new LocalBalancerHost();
  }
  return new HaproxyBalancer({ host, configFile, runtimeSocket, masterSocket, stateFile });
}
