import { FluentProvider, Toaster, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { useSyncExternalStore } from 'react';
import { usePushSync } from './hooks/use-push-sync';
import { AppShell } from './layout/app-shell';
import { useThemeStore } from './stores/theme-store';
import { TOASTER_ID } from './components/toaster-id';

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
const subscribeDark = (onChange: () => void) => {
  darkQuery.addEventListener('change', onChange);
  return () => darkQuery.removeEventListener('change', onChange);
};

export function App() {
  usePushSync();
  const choice = useThemeStore((state) => state.choice);
  const systemDark = useSyncExternalStore(subscribeDark, () => darkQuery.matches);
  const dark = choice === 'dark' || (choice === 'system' && systemDark);
  return (
    <FluentProvider
      theme={dark ? webDarkTheme : webLightTheme}
      style={{ height: '100%' }}
      data-theme={dark ? 'dark' : 'light'}
    >
      <AppShell />
      <Toaster toasterId={TOASTER_ID} position="bottom-end" />
    </FluentProvider>
  );
}
