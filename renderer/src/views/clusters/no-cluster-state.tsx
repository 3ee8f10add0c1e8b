import { Body1, Button, makeStyles, tokens } from '@fluentui/react-components';
import { AddRegular } from '@fluentui/react-icons';
import { useNavStore } from '../../stores/nav-store';
import { useClusterFormStore } from './cluster-form-store';
import { SandboxButton } from './sandbox-button';
import { StandaloneButton } from '../migration/standalone-button';
import { ViewTitle } from '../../components/view-title';

const useStyles = makeStyles({
  box: {
    margin: '80px auto',
    maxWidth: '520px',
    textAlign: 'center',
    display: 'flex',
    flexDirection: 'column',
    gap: '16px',
    alignItems: 'center',
    padding: '32px',
    borderRadius: tokens.borderRadiusXLarge,
    backgroundColor: tokens.colorNeutralBackground1,
    boxShadow: tokens.shadow4,
  },
  actions: { display: 'flex', gap: '12px' },
});

export function NoClusterState() {
  const styles = useStyles();
  const go = useNavStore((state) => state.go);
  const openForm = useClusterFormStore((state) => state.openNew);
  return (
    <div className={styles.box}>
      <ViewTitle>No cluster selected</ViewTitle>
      <Body1>
        Connect to a Flotilla cluster with its balancer URL and an API key, or try everything on this machine
        with a local sandbox cluster, or with a standalone server you then move to high availability.
      </Body1>
      <div className={styles.actions}>
        <Button
          icon={<AddRegular />}
          onClick={() => {
            go('clusters');
            openForm();
          }}
        >
          Add a cluster
        </Button>
        <SandboxButton />
        <StandaloneButton />
      </div>
    </div>
  );
}
