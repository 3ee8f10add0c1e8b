import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
} from '@fluentui/react-components';
import { MIGRATION_STEP_TITLES } from '@flotilla/electron/common/migration-steps';
import { useMigration } from '../../hooks/use-migration';
import { useNavStore } from '../../stores/nav-store';
import { useMigrationUi } from './migration-ui-store';

/** While a migration is under way (whoever started it, whatever closed since): where it stands, Resume, Roll back. */
export function MigrationBanner() {
  const state = useMigration().data;
  const go = useNavStore((nav) => nav.go);
  const { show, setRollbackOpen } = useMigrationUi();
  if (!state || !(state.inProgress || state.running)) return null;
  const step = state.running?.step ?? state.stage;
  return (
    <MessageBar intent="info" data-testid="migration-banner" data-stage={step} layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>
          Migration of {state.clusterName} stands at {MIGRATION_STEP_TITLES[step]}
          {state.running ? ' (running)' : ''}
        </MessageBarTitle>
        {state.status?.journal?.steps.some((entry) => entry.state === 'interrupted')
          ? 'A step was interrupted (its command stopped): resume it, or roll back.'
          : 'The journal on the source says where it stands, whoever ran the steps.'}
      </MessageBarBody>
      <MessageBarActions>
        <Button
          appearance="primary"
          onClick={() => {
            show(null);
            go('migration');
          }}
        >
          Resume
        </Button>
        <Button
          disabled={state.running !== null}
          onClick={() => {
            show('finish');
            setRollbackOpen(true);
            go('migration');
          }}
        >
          Roll back
        </Button>
      </MessageBarActions>
    </MessageBar>
  );
}
