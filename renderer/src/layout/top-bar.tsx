import { Button, Dropdown, Option, Text, Tooltip, makeStyles, tokens } from '@fluentui/react-components';
import { ServerMultipleFilled, WeatherMoonRegular, WeatherSunnyRegular } from '@fluentui/react-icons';
import { useClusters, useSelectCluster } from '../hooks/use-clusters';
import { useNotify } from '../components/use-notify';
import { useThemeStore } from '../stores/theme-store';
import { ConnectionBadge } from './connection-badge';

const useStyles = makeStyles({
  bar: {
    height: '52px',
    display: 'flex',
    alignItems: 'center',
    gap: '16px',
    padding: '0 16px',
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  brand: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, minWidth: '188px' },
  spacer: { flexGrow: 1 },
});

export function TopBar() {
  const styles = useStyles();
  const { data } = useClusters();
  const select = useSelectCluster();
  const notify = useNotify();
  const { choice, setChoice } = useThemeStore();
  const active = data?.clusters.find((cluster) => cluster.id === data.activeId);
  const dark =
    choice === 'dark' || (choice === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  return (
    <header className={styles.bar}>
      <Text className={styles.brand}>
        <ServerMultipleFilled style={{ verticalAlign: 'text-bottom', marginRight: 8 }} fontSize={20} />
        Flotilla Console
      </Text>
      <Dropdown
        aria-label="Cluster"
        placeholder={data?.clusters.length ? 'Choose a cluster' : 'No clusters yet'}
        value={active?.name ?? ''}
        selectedOptions={active ? [active.id] : []}
        disabled={!data?.clusters.length}
        onOptionSelect={(_event, option) => {
          if (option.optionValue && option.optionValue !== active?.id) {
            select.mutate(option.optionValue, {
              onError: (error) => notify.failure('Could not switch cluster', error),
            });
          }
        }}
        style={{ minWidth: 260 }}
      >
        {data?.clusters.map((cluster) => (
          <Option key={cluster.id} value={cluster.id} text={cluster.name}>
            {cluster.name} — {cluster.balancerUrl}
          </Option>
        ))}
      </Dropdown>
      <ConnectionBadge />
      <span className={styles.spacer} />
      <Tooltip content={dark ? 'Switch to the light theme' : 'Switch to the dark theme'} relationship="label">
        <Button
          appearance="transparent"
          icon={dark ? <WeatherSunnyRegular /> : <WeatherMoonRegular />}
          style={{ color: 'inherit' }}
          onClick={() => setChoice(dark ? 'light' : 'dark')}
        />
      </Tooltip>
    </header>
  );
}
