import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useSnapshot } from '../hooks/use-snapshot';

/** Says loudly when the cluster does not answer: the figures on screen are then old. */
export function ConnectionBanner() {
  const connection = useSnapshot().data?.connection;
  if (!connection?.error || connection.state === 'connected') return null;
  return (
    <MessageBar intent="warning">
      <MessageBarBody>
        <MessageBarTitle>The cluster does not answer; the console keeps trying.</MessageBarTitle>
        {connection.error}
      </MessageBarBody>
    </MessageBar>
  );
}
