import { Body1, Field, Input } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** The shared folder: the same absolute path on every node, checked from every host with the nonce test. */
export function SharedStep({ state }: { state: MigrationStateDto }) {
  const [dir, setDir] = useState(state.plan.sharedDir ?? '');
  return (
    <StepCard
      step="shared"
      state={state}
      intro="Packages, task logs and artifacts move to a folder every node mounts at the same path. The preflight writes a random nonce there from the source host, and every node host must read it back: a local folder at the same path would not have it."
    >
      {state.plan.sharedDir && (
        <Body1 data-testid="migration-shared">
          Shared folder: <code>{state.plan.sharedDir}</code>
        </Body1>
      )}
      <Field label="Shared folder (absolute path, the same on every node)">
        <Input value={dir} onChange={(_e, data) => setDir(data.value)} placeholder="/mnt/flotilla" />
      </Field>
      <div>
        <RunButton
          state={state}
          action={{ kind: 'setPlan', input: { sharedDir: dir } }}
          blocked={dir.trim() ? null : 'Enter the path first.'}
          next="nodes"
        >
          Use this folder
        </RunButton>
      </div>
    </StepCard>
  );
}
