import { Body1, Caption1, Checkbox, Field, Input, tokens } from '@fluentui/react-components';
import type { HostDto, MigrationNodePlanDto, MigrationStateDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { useHosts } from '../../hooks/use-hosts';
import { useNavStore } from '../../stores/nav-store';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** The new nodes: hosts of the Hosts view, each with the node it will run (provisioned after the switch). */
export function NodesStep({ state }: { state: MigrationStateDto }) {
  const source = state.plan.source;
  const hosts = (useHosts().data ?? []).filter(
    (host) => !(source?.kind === 'host' && source.hostId === host.id),
  );
  const go = useNavStore((nav) => nav.go);
  const [drafts, setDrafts] = useState<Record<string, MigrationNodePlanDto>>(() =>
    Object.fromEntries(state.plan.nodes.map((node) => [node.hostId, node])),
  );
  const chosen = hosts.flatMap((host) => (drafts[host.id] ? [drafts[host.id]!] : []));
  const toggle = (host: HostDto, on: boolean) =>
    setDrafts((old) => {
      const next = { ...old };
      if (on) next[host.id] = suggestion(host, Object.keys(old).length + 2);
      else delete next[host.id];
      return next;
    });
  const edit = (hostId: string, patch: Partial<MigrationNodePlanDto>) =>
    setDrafts((old) => ({ ...old, [hostId]: { ...old[hostId]!, ...patch } }));
  return (
    <StepCard
      step="nodes"
      state={state}
      intro="How many nodes the cluster gets besides the standalone, and on which hosts. The console provisions them once the switch is verified, with the same provisioning as the Hosts view (the host's key pinned, the node as the service user)."
    >
      {hosts.length === 0 ? (
        <Body1>
          No host in this cluster&apos;s inventory yet:{' '}
          <a href="#" onClick={() => go('hosts')}>
            add hosts in the Hosts view
          </a>
          .
        </Body1>
      ) : (
        <ul
          style={{
            listStyle: 'none',
            margin: 0,
            padding: 0,
            display: 'flex',
            flexDirection: 'column',
            gap: 12,
          }}
        >
          {hosts.map((host) => {
            const draft = drafts[host.id];
            return (
              <li key={host.id} data-testid="migration-node-host" data-address={host.address}>
                <Checkbox
                  checked={draft !== undefined}
                  onChange={(_e, data) => toggle(host, data.checked === true)}
                  label={`A node on ${host.username}@${host.address}${host.node ? ` (runs ${host.node.name} already)` : ''}`}
                />
                {draft && (
                  <div
                    style={{
                      display: 'grid',
                      gridTemplateColumns: 'repeat(5, minmax(120px, 1fr))',
                      gap: 8,
                      marginLeft: 28,
                    }}
                  >
                    <Field label="Node name">
                      <Input
                        value={draft.nodeName}
                        onChange={(_e, d) => edit(host.id, { nodeName: d.value })}
                      />
                    </Field>
                    <Field label="Listen address">
                      <Input
                        value={draft.listenHost}
                        onChange={(_e, d) => edit(host.id, { listenHost: d.value })}
                      />
                    </Field>
                    <Field label="Port">
                      <Input
                        type="number"
                        value={String(draft.port)}
                        onChange={(_e, d) => edit(host.id, { port: Number(d.value) })}
                      />
                    </Field>
                    <Field label="Public URL">
                      <Input
                        value={draft.publicUrl}
                        onChange={(_e, d) => edit(host.id, { publicUrl: d.value })}
                      />
                    </Field>
                    <Field label="Install root">
                      <Input
                        value={draft.installRoot}
                        onChange={(_e, d) => edit(host.id, { installRoot: d.value })}
                      />
                    </Field>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <Caption1 style={{ color: tokens.colorNeutralForeground2 }} data-testid="migration-node-count">
        {chosen.length + 1} node(s) in the cluster: the standalone and {chosen.length} new
      </Caption1>
      <div>
        <RunButton state={state} action={{ kind: 'setPlan', input: { nodes: chosen } }} next="balancer">
          Use these nodes
        </RunButton>
      </div>
    </StepCard>
  );
}

function suggestion(host: HostDto, n: number): MigrationNodePlanDto {
  return {
    hostId: host.id,
    nodeName: host.node?.name ?? `node-${n}`,
    listenHost: host.node?.listenHost ?? '0.0.0.0',
    port: host.node?.port ?? 8080,
    publicUrl: host.node?.publicUrl ?? `http://${host.address}:8080`,
    installRoot: host.node?.installRoot ?? '/opt/flotilla',
  };
}
