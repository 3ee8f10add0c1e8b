import {
  Body1,
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Spinner,
  Subtitle2,
  tokens,
} from '@fluentui/react-components';
import { MIGRATION_STEP_TITLES } from '@flotilla/electron/common/migration-steps';
import { errorText } from '../../components/format';
import { useMigrationCommands } from '../../hooks/use-migration';
import { useMigrationUi } from './migration-ui-store';

/** "Show the commands": the exact lines per host, so an admin can run the step by hand. */
export function CommandsDialog() {
  const { commandsOf, showCommands } = useMigrationUi();
  const commands = useMigrationCommands(commandsOf);
  if (!commandsOf) return null;
  const title = `Commands: ${MIGRATION_STEP_TITLES[commandsOf]}`;
  return (
    <Dialog open onOpenChange={(_event, data) => !data.open && showCommands(null)}>
      <DialogSurface aria-label={title} style={{ maxWidth: 980 }}>
        <DialogBody>
          <DialogTitle>{title}</DialogTitle>
          <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
            {commands.isPending && <Spinner size="small" label="Asking the console…" />}
            {commands.error && <Body1>{errorText(commands.error)}</Body1>}
            {commands.data?.hosts.map((host, at) => (
              <div key={`${host.where}-${at}`} data-testid="migration-commands-host">
                <Subtitle2 as="h2" style={{ fontSize: tokens.fontSizeBase300 }}>
                  On {host.where}
                </Subtitle2>
                <pre
                  data-testid="migration-commands"
                  style={{
                    margin: '4px 0 0',
                    padding: 10,
                    overflowX: 'auto',
                    whiteSpace: 'pre',
                    fontFamily: tokens.fontFamilyMonospace,
                    fontSize: tokens.fontSizeBase200,
                    backgroundColor: tokens.colorNeutralBackground3,
                    borderRadius: tokens.borderRadiusMedium,
                  }}
                >
                  {host.lines.join('\n')}
                </pre>
              </div>
            ))}
            {commands.data?.notes.map((note) => (
              <Caption1 key={note} block>
                {note}
              </Caption1>
            ))}
          </DialogContent>
          <DialogActions>
            <Button appearance="primary" onClick={() => showCommands(null)}>
              Close
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
