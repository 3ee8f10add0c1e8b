import { Body1, Caption1, Field, Input, tokens } from '@fluentui/react-components';
import type { MigrationSourceDto, MigrationStateDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { formatBytes } from '../../components/format';
import { useHosts } from '../../hooks/use-hosts';
import { RunButton } from './run-button';
import { StepCard } from './step-card';
import { HostPicker } from '../../components/host-picker';

/** Where the standalone runs, and what the console found there: version, sizes, running tasks. */
export function SourceStep({ state }: { state: MigrationStateDto }) {
  const source = state.plan.source;
  const info = state.source;
  return (
    <StepCard
      step="source"
      state={state}
      intro="The standalone node to move: its embedded database and its storage become the first node of a cluster on an external PostgreSQL and a shared folder."
    >
      {source?.kind === 'local' ? (
        <Body1>
          On this machine, home <code>{source.home}</code>
        </Body1>
      ) : (
        <RemoteSourceForm state={state} source={source} />
      )}
      {state.statusError && (
        <Caption1 style={{ color: tokens.colorPaletteRedForeground1 }}>{state.statusError}</Caption1>
      )}
      {info && (
        <dl
          data-testid="migration-source"
          style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '4px 16px', margin: 0 }}
        >
          <dt>Node</dt>
          <dd style={{ margin: 0 }}>
            {info.node} ({info.nodeRunning ? 'running' : 'stopped'})
          </dd>
          <dt>Version</dt>
          <dd style={{ margin: 0 }} data-testid="source-version">
            {info.version ?? 'unknown'}
          </dd>
          <dt>Database</dt>
          <dd style={{ margin: 0 }} data-testid="source-database">
            {info.database === 'embedded' ? 'embedded PostgreSQL' : 'external PostgreSQL'},{' '}
            {info.databaseBytes === null ? 'size unknown' : formatBytes(info.databaseBytes)}
          </dd>
          <dt>Files</dt>
          <dd style={{ margin: 0 }} data-testid="source-files">
            {info.filesBytes === null ? 'size unknown' : formatBytes(info.filesBytes)} (packages, task logs,
            artifacts)
          </dd>
          <dt>Tasks</dt>
          <dd style={{ margin: 0 }} data-testid="source-tasks">
            {info.runningTasks ?? '?'} running, {info.queuedTasks ?? '?'} queued
          </dd>
        </dl>
      )}
      <div style={{ display: 'flex', gap: 8 }}>
        <RunButton
          state={state}
          action={{ kind: 'inspect' }}
          blocked={source ? null : 'Choose the source first.'}
          appearance={info ? 'secondary' : 'primary'}
          next="source"
        >
          {info ? 'Detect again' : 'Detect the source'}
        </RunButton>
      </div>
    </StepCard>
  );
}

/** A standalone on a host of the Hosts view: which host, where flotilla-node is installed, its home. */
function RemoteSourceForm({
  state,
  source,
}: {
  state: MigrationStateDto;
  source: MigrationSourceDto | null;
}) {
  const hosts = useHosts().data ?? [];
  const [hostId, setHostId] = useState(source?.kind === 'host' ? source.hostId : '');
  const [installRoot, setInstallRoot] = useState(
    source?.kind === 'host' ? source.installRoot : '/opt/flotilla',
  );
  const [home, setHome] = useState(source?.kind === 'host' ? source.home : '/opt/flotilla/home');
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 8, maxWidth: 560 }}>
      <HostPicker label="Host (from the Hosts view)" hosts={hosts} hostId={hostId} onChange={setHostId} />
      <Field label="Install root (current/node, current/server)">
        <Input value={installRoot} onChange={(_e, data) => setInstallRoot(data.value)} />
      </Field>
      <Field label="Node home">
        <Input value={home} onChange={(_e, data) => setHome(data.value)} />
      </Field>
      <div>
        <RunButton
          state={state}
          appearance="secondary"
          action={{ kind: 'setPlan', input: { source: { kind: 'host', hostId, installRoot, home } } }}
          blocked={hostId ? null : 'Choose the host first.'}
          next="source"
        >
          Use this source
        </RunButton>
      </div>
    </div>
  );
}
