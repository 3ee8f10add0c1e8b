import { Toast, ToastBody, ToastTitle, useToastController } from '@fluentui/react-components';
import { errorText } from './format';
import { TOASTER_ID } from './toaster-id';

/** Reports an action's outcome: success briefly, failure until dismissed, with the cluster's own message. */
export function useNotify() {
  const { dispatchToast } = useToastController(TOASTER_ID);
  return {
    success: (title: string, body?: string) =>
      dispatchToast(
        <Toast>
          <ToastTitle>{title}</ToastTitle>
          {body && <ToastBody>{body}</ToastBody>}
        </Toast>,
        { intent: 'success', timeout: 4000 },
      ),
    failure: (title: string, error: unknown) =>
      dispatchToast(
        <Toast>
          <ToastTitle>{title}</ToastTitle>
          <ToastBody>{errorText(error)}</ToastBody>
        </Toast>,
        { intent: 'error', timeout: -1 },
      ),
  };
}
