import {
  HAPROXY_DEFAULT_PATHS,
  type BalancerSettingsDto,
  type BalancerSettingsInputDto,
} from '../../common/contract.js';
import { HaproxyBalancer } from './haproxy-balancer.js';
import { LocalBalancerHost } from './local-balancer-host.js';

/** The setting to save: HAProxy's paths trimmed, the defaults where the admin left one empty. */
export function balancerSettings(input: BalancerSettingsInputDto): BalancerSettingsDto {
  if (input.kind !== 'haproxy') return { kind: 'builtin' };
  const path = (key: keyof typeof HAPROXY_DEFAULT_PATHS) => input[key]?.trim() || HAPROXY_DEFAULT_PATHS[key];
  return {
    kind: 'haproxy',
    where: 'local',
    configFile: path('configFile'),
    runtimeSocket: path('runtimeSocket'),
    masterSocket: path('masterSocket'),
    stateFile: path('stateFile'),
  };
}

/** The HAProxy a cluster's setting names, or null for the built-in balancer. */
export function haproxyFromSettings(settings: BalancerSettingsDto | undefined): HaproxyBalancer | null {
  if (settings?.kind !== 'haproxy') return null;
  const { configFile, runtimeSocket, masterSocket, stateFile } = settings;
  return new HaproxyBalancer({
    host: new LocalBalancerHost(),
    configFile,
    runtimeSocket,
    masterSocket,
    stateFile,
  });
}
