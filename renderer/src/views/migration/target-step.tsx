import { Body1, Caption1, Field, Input } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** The external PostgreSQL: a URL the admin gives (kept in the vault), or an embedded one the console starts here. */
export function TargetStep({ state }: { state: MigrationStateDto }) {
  const [url, setUrl] = useState('');
  const { plan } = state;
  return (
    <StepCard
      step="target"
      state={state}
      intro="The PostgreSQL (14 or later) the cluster will live on, as every node reaches it. Its URL goes to the console's vault; only a masked form is shown. The preflight checks it from the source host and from every node host."
    >
      {plan.targetDb && (
        <Body1 data-testid="migration-target">
          Target: <code>{plan.targetDb}</code>
          {plan.targetEmbedded && ' (an embedded PostgreSQL the console runs on this machine)'}
        </Body1>
      )}
      <Field
        label="Target PostgreSQL URL"
        hint="postgres://USER:PASSWORD@HOST:5432/DATABASE, special characters in the password percent-encoded"
      >
        <Input type="password" value={url} onChange={(_e, data) => setUrl(data.value)} autoComplete="off" />
      </Field>
      <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
        <RunButton
          state={state}
          action={{ kind: 'setPlan', input: { targetDb: url } }}
          blocked={url.trim() ? null : 'Enter the URL first.'}
          next="shared"
          onStarted={() => setUrl('')}
        >
          Use this database
        </RunButton>
        {plan.source?.kind === 'local' && (
          <RunButton state={state} appearance="secondary" action={{ kind: 'startTarget' }} next="shared">
            Start an embedded PostgreSQL on this machine
          </RunButton>
        )}
      </div>
      {plan.source?.kind === 'local' && (
        <Caption1>
          The embedded one is for trying the migration on one machine: it listens on 127.0.0.1, so only nodes
          on this machine reach it.
        </Caption1>
      )}
    </StepCard>
  );
}
