import { Body1, Button, Caption1, Field, Input, Radio, RadioGroup } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { useActiveCluster } from '../../hooks/use-clusters';
import { BalancerSettingsDialog } from '../balancer/balancer-settings-dialog';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** In front of the new cluster: the built-in balancer on the source host, or the cluster's HAProxy (here or on a host). */
export function BalancerStep({ state }: { state: MigrationStateDto }) {
  const cluster = useActiveCluster();
  const planned = state.plan.balancer;
  const local = state.plan.source?.kind === 'local';
  const [kind, setKind] = useState<'builtin' | 'haproxy'>(planned?.kind ?? 'builtin');
  const [listenHost, setListenHost] = useState(
    planned?.kind === 'builtin' ? planned.listenHost : local ? '127.0.0.1' : '0.0.0.0',
  );
  const [port, setPort] = useState(planned?.kind === 'builtin' ? String(planned.port) : '8300');
  const [frontendUrl, setFrontendUrl] = useState(planned?.kind === 'haproxy' ? planned.frontendUrl : '');
  const [settingsOpen, setSettingsOpen] = useState(false);
  const haproxy = cluster?.balancer?.kind === 'haproxy' ? cluster.balancer : null;
  return (
    <StepCard
      step="balancer"
      state={state}
      intro="Users and the console reach the new cluster through a balancer, health-checking every node's ping. The console starts the built-in one on the source host once the switch is verified, or adds the nodes to your HAProxy."
    >
      <RadioGroup
        value={kind}
        onChange={(_e, data) => setKind(data.value as 'builtin' | 'haproxy')}
        aria-label="Balancer"
      >
        <Radio value="builtin" label="Built-in balancer on the source host (flotilla-node balance)" />
        <Radio
          value="haproxy"
          label="HAProxy (the cluster's balancer settings: on this machine or on a host)"
        />
      </RadioGroup>
      {kind === 'builtin' ? (
        <div style={{ display: 'flex', gap: 8, maxWidth: 560 }}>
          <Field label="Balancer listen address">
            <Input value={listenHost} onChange={(_e, data) => setListenHost(data.value)} />
          </Field>
          <Field label="Balancer port">
            <Input type="number" value={port} onChange={(_e, data) => setPort(data.value)} />
          </Field>
        </div>
      ) : (
        <>
          <Body1>
            {haproxy
              ? `HAProxy ${haproxy.where === 'host' ? `on ${haproxy.address}` : 'on this machine'} (${haproxy.runtimeSocket}).`
              : 'The cluster has no HAProxy set yet.'}{' '}
            <Button appearance="transparent" onClick={() => setSettingsOpen(true)}>
              Balancer settings…
            </Button>
          </Body1>
          <Field label="HAProxy frontend URL (where users reach the cluster)">
            <Input
              value={frontendUrl}
              onChange={(_e, data) => setFrontendUrl(data.value)}
              placeholder="http://flotilla.example"
            />
          </Field>
        </>
      )}
      {planned && (
        <Caption1 data-testid="migration-balancer">
          Planned:{' '}
          {planned.kind === 'builtin'
            ? `built-in balancer on ${planned.listenHost}:${planned.port}`
            : `HAProxy at ${planned.frontendUrl}`}
        </Caption1>
      )}
      <div>
        <RunButton
          state={state}
          next="preflight"
          action={{
            kind: 'setPlan',
            input: {
              balancer: kind === 'builtin' ? { kind, listenHost, port: Number(port) } : { kind, frontendUrl },
            },
          }}
          blocked={
            kind === 'haproxy' && !haproxy ? 'Choose the HAProxy in the balancer settings first.' : null
          }
        >
          Use this balancer
        </RunButton>
      </div>
      {settingsOpen && cluster && (
        <BalancerSettingsDialog
          settings={cluster.balancer ?? { kind: 'builtin' }}
          onClose={() => setSettingsOpen(false)}
        />
      )}
    </StepCard>
  );
}
