import type {
  BalancerAdminState,
  BalancerServerDto,
  BalancerSettingsDto,
  DomainHandlers,
} from '../../common/contract.js';
import { INVOKE } from '../../common/contract.js';
import { UserError } from '../../common/user-error.js';
import { balancerSettings, haproxyFromSettings } from '../balancer/haproxy-from-settings.js';
import { readBalancerStats } from '../cluster-client/balancer-stats.js';
import { haproxyNodeBalancer, type NodeBalancer } from '../provisioning/index.js';
import type { ConsoleContext } from './console-context.js';

/** The active cluster's balancer: its figures, a member's admin state, and which balancer the console drives. */
export function balancerHandlers({ store, session, hosts }: ConsoleContext): DomainHandlers<'balancer'> {
  return {
    [INVOKE.balancer.getStats]: () => Promise.resolve(session.current?.monitor.snapshot().balancer ?? null),
    [INVOKE.balancer.setServerState]: (name, state) =>
      session.act(async (current) => {
        if (current.balancer.kind === 'builtin') return current.api.setBalancerServerState(name, state);
        await session.requireRole(current, 'balancer.update');
        return setHaproxyServerState(current.balancer, name, state);
      }),
    [INVOKE.balancer.getSettings]: () =>
      session.act(
        (current) => Promise.resolve(current.cluster.balancer ?? { kind: 'builtin' as const }),
        false,
      ),
    // Saved only once the balancer's stats can be read with it; then the cluster is watched through it.
    [INVOKE.balancer.setSettings]: async (input): Promise<BalancerSettingsDto> => {
      const { cluster } = await session.requireRole(session.require(), 'balancer.settings');
      const onHost = input.kind === 'haproxy' && input.where === 'host';
      if (onHost && !hosts)
        throw new UserError('HAProxy on a host needs the Hosts view, which this console lacks.');
      const host = onHost && hosts ? await hosts.getHost(cluster.id, input.hostId) : null;
      const settings = balancerSettings(input, host?.address);
      const haproxy = haproxyFromSettings(settings, (hostId) => hosts!.connect(cluster.id, hostId));
      if (haproxy) {
        const { error } = await readBalancerStats(haproxyNodeBalancer(haproxy));
        if (error) {
          const where = host
            ? `on ${host.address} with that admin socket, that socat is installed there and that ${host.username} may open the socket`
            : 'on this machine with that admin socket and that the console may open it';
          throw new UserError(`${error} Check that HAProxy runs ${where}. Nothing was saved.`);
        }
      }
      await store.update(cluster.id, { balancer: settings });
      await session.activate(cluster.id);
      return settings;
    },
  };
}

/** Sets a server's admin state in HAProxy and returns the server as HAProxy then reports it. */
async function setHaproxyServerState(
  balancer: NodeBalancer,
  name: string,
  state: BalancerAdminState,
): Promise<BalancerServerDto> {
  await balancer.setState(name, state);
  const stats = await balancer.stats();
  const server = stats?.servers.find((candidate) => candidate.name === name);
  if (!server) throw new UserError(`HAProxy has no server named ${name} in backend ${stats?.backend}.`);
  return server;
}
