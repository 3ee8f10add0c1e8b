import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useBridgeStore } from '../stores/bridge-store';

/** The page lost the console process (the web host was stopped or restarted). */
export function BridgeBanner() {
  const connected = useBridgeStore((state) => state.connected);
  if (connected) return null;
  return (
    <MessageBar intent="error">
      <MessageBarBody>
        <MessageBarTitle>Lost the connection to the console process.</MessageBarTitle>
        Reconnecting… If you stopped <code>npm run console:web</code>, start it again and open the new URL it
        prints.
      </MessageBarBody>
    </MessageBar>
  );
}
