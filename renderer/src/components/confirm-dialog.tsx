import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  MessageBar,
  MessageBarBody,
  Spinner,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import { errorText } from './format';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Red button for actions that remove or interrupt something. */
  danger?: boolean;
  busy?: boolean;
  /** The confirm button is off (a field is not valid yet). */
  disabled?: boolean;
  /** The action's failure (a message or an Error); null or absent when there is none. */
  error?: unknown;
  /** What a screen reader announces for the dialog; default the title. */
  label?: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * Asks before an action, or takes the few fields it needs; stays open with a spinner while it runs,
 * and shows its failure. Every action dialog of the console is one of these.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <Dialog open={props.open} onOpenChange={(_event, data) => !data.open && !props.busy && props.onCancel()}>
      <DialogSurface aria-label={props.label ?? props.title}>
        <DialogBody>
          <DialogTitle>{props.title}</DialogTitle>
          <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
            {props.children}
            {props.error !== null && props.error !== undefined && props.error !== '' && (
              <MessageBar intent="error">
                <MessageBarBody>{errorText(props.error)}</MessageBarBody>
              </MessageBar>
            )}
          </DialogContent>
          <DialogActions>
            <Button appearance="secondary" onClick={props.onCancel} disabled={props.busy}>
              Cancel
            </Button>
            <Button
              appearance="primary"
              onClick={props.onConfirm}
              disabled={props.busy || props.disabled}
              icon={props.busy ? <Spinner size="tiny" /> : undefined}
              style={props.danger ? { backgroundColor: '#c50f1f' } : undefined}
            >
              {props.confirmLabel}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}
