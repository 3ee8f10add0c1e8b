import { Subtitle2 } from '@fluentui/react-components';
import type { MigrationStateDto } from '@flotilla/electron/common/contract';
import { CheckList } from './check-list';
import { JournalLine } from './journal-line';
import { ProgressList } from './progress-list';
import { RunButton } from './run-button';
import { StepCard } from './step-card';

/** Checks everything before anything changes: the source, the target from every host, the share by its nonce. */
export function PreflightStep({ state }: { state: MigrationStateDto }) {
  const running = state.running?.step === 'preflight' ? state.running : null;
  const progress = running ?? (state.lastRun?.step === 'preflight' ? state.lastRun : null);
  const result = state.results.preflight;
  return (
    <StepCard
      step="preflight"
      state={state}
      intro="Changes nothing but a nonce file on the share. The source: embedded, this version, alone. The target: reachable, PostgreSQL ≥ 14, may create tables, holds no other cluster, has connections for every node. The share: writable, room for the copy, the same folder on every host."
    >
      <div>
        <RunButton state={state} action={{ kind: 'preflight' }}>
          {result ? 'Run the preflight again' : 'Run the preflight'}
        </RunButton>
      </div>
      <JournalLine state={state} step="preflight" />
      {progress && progress.progress.length > 0 && (
        <ProgressList events={progress.progress} label="Preflight progress" finished={!running} />
      )}
      {result && !running && (
        <>
          <Subtitle2 as="h2">On the source ({result.source.node})</Subtitle2>
          <CheckList checks={result.checks} label="Preflight on the source" />
          {state.peers.map((peer) => (
            <div key={peer.hostId} data-testid="migration-peer" data-address={peer.address} data-ok={peer.ok}>
              <Subtitle2 as="h2">On {peer.address}</Subtitle2>
              <CheckList checks={peer.checks} label={`Preflight on ${peer.address}`} />
            </div>
          ))}
        </>
      )}
    </StepCard>
  );
}
