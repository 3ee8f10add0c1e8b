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

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Red button for actions that remove or interrupt something. */
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Asks before an action that hurts; stays open with a spinner while it runs, and shows its failure. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  return (
    <Dialog open={props.open} onOpenChange={(_event, data) => !data.open && !props.busy && props.onCancel()}>
      <DialogSurface aria-label={props.title}>
        <DialogBody>
          <DialogTitle>{props.title}</DialogTitle>
          <DialogContent>
            {props.children}
            {props.error && (
              <MessageBar intent="error" style={{ marginTop: 12 }}>
                <MessageBarBody>{props.error}</MessageBarBody>
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
              disabled={props.busy}
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
