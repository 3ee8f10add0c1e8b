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
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Radio,
  RadioGroup,
  Spinner,
  Textarea,
  tokens,
} from '@fluentui/react-components';
import type { HostAuthKind, HostProbeDto } from '@flotilla/electron/common/contract';
import { useState } from 'react';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useAddHost, useProbeHost } from '../../hooks/use-hosts';

/**
 * Adds a host in two steps: the console reads the key the host presents (nothing is sent or saved),
 * the admin compares its fingerprint with the host's own, and only "Trust this key" signs in with it
 * pinned, detects the OS and saves the host; the credential goes to the vault.
 */
export function AddHostDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  if (!open) return null;
  return (
    <Dialog open onOpenChange={(_event, data) => !data.open && onClose()}>
      <AddHostFlow onClose={onClose} />
    </Dialog>
  );
}

function AddHostFlow({ onClose }: { onClose: () => void }) {
  const [address, setAddress] = useState('');
  const [sshPort, setSshPort] = useState('22');
  const [username, setUsername] = useState('root');
  const [authKind, setAuthKind] = useState<HostAuthKind>('key');
  const [privateKey, setPrivateKey] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [password, setPassword] = useState('');
  const [probed, setProbed] = useState<HostProbeDto | null>(null);
  const probe = useProbeHost();
  const add = useAddHost();
  const notify = useNotify();
  const busy = probe.isPending || add.isPending;
  const port = Number(sshPort);
  // Changing where to connect invalidates a fingerprint read from somewhere else.
  const target = (set: (value: string) => void) => (value: string) => {
    set(value);
    setProbed(null);
    probe.reset();
    add.reset();
  };

  const check = () =>
    probe.mutate({ address: address.trim(), sshPort: port }, { onSuccess: (result) => setProbed(result) });
  const trust = () =>
    probed &&
    add.mutate(
      {
        address: probed.address,
        sshPort: probed.sshPort,
        username,
        authKind,
        fingerprint: probed.fingerprint,
        ...(authKind === 'password' ? { password } : { privateKey }),
        ...(authKind === 'keyWithPassphrase' ? { passphrase } : {}),
      },
      {
        onSuccess: (host) => {
          notify.success(`Added ${host.address}`, `${host.os?.name ?? 'OS unknown'}; host key pinned.`);
          onClose();
        },
      },
    );

  return (
    <DialogSurface aria-label="Add host">
      <DialogBody>
        <DialogTitle>Add a host</DialogTitle>
        <DialogContent style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          <div style={{ display: 'grid', gridTemplateColumns: '1fr 110px', gap: 12 }}>
            <Field label="Address" required hint="Host name or IP address the console reaches over SSH">
              <Input
                value={address}
                onChange={(_e, d) => target(setAddress)(d.value)}
                placeholder="10.0.0.12"
              />
            </Field>
            <Field label="SSH port" required>
              <Input
                type="number"
                style={{ minWidth: 0 }}
                value={sshPort}
                onChange={(_e, d) => target(setSshPort)(d.value)}
              />
            </Field>
          </div>
          <Field label="User" required>
            <Input value={username} onChange={(_e, d) => setUsername(d.value)} />
          </Field>
          <Field label="Sign in with">
            <RadioGroup
              layout="horizontal"
              value={authKind}
              onChange={(_e, d) => setAuthKind(d.value as HostAuthKind)}
            >
              <Radio value="key" label="Private key" />
              <Radio value="keyWithPassphrase" label="Key + passphrase" />
              <Radio value="password" label="Password" />
            </RadioGroup>
          </Field>
          {authKind === 'password' ? (
            <Field label="Password" required>
              <Input type="password" value={password} onChange={(_e, d) => setPassword(d.value)} />
            </Field>
          ) : (
            <Field
              label="Private key"
              required
              hint="Kept in the console's vault, never in its settings files"
            >
              <Textarea
                value={privateKey}
                onChange={(_e, d) => setPrivateKey(d.value)}
                resize="vertical"
                rows={4}
                placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                style={{ fontFamily: tokens.fontFamilyMonospace }}
              />
            </Field>
          )}
          {authKind === 'keyWithPassphrase' && (
            <Field label="Passphrase" required>
              <Input type="password" value={passphrase} onChange={(_e, d) => setPassphrase(d.value)} />
            </Field>
          )}
          {probed && (
            <MessageBar intent="warning" data-testid="presented-fingerprint-box">
              <MessageBarBody>
                <MessageBarTitle>Is this {probed.address}&apos;s key?</MessageBarTitle>
                <Body1 block>The host presents this {probed.keyType} key:</Body1>
                <code data-testid="presented-fingerprint" style={{ fontSize: 14, userSelect: 'all' }}>
                  {probed.fingerprint}
                </code>
                <Caption1 block>
                  Compare it with <code>ssh-keygen -lf /etc/ssh/ssh_host_*.pub</code> on the host itself.
                  Trust it only if it matches: the console will then refuse any other key from this host.
                </Caption1>
              </MessageBarBody>
            </MessageBar>
          )}
          {(probe.error ?? add.error) && (
            <MessageBar intent="error">
              <MessageBarBody>{errorText(probe.error ?? add.error)}</MessageBarBody>
            </MessageBar>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          {probed ? (
            <Button
              appearance="primary"
              onClick={trust}
              disabled={busy}
              icon={add.isPending ? <Spinner size="tiny" /> : undefined}
            >
              Trust this key and add
            </Button>
          ) : (
            <Button
              appearance="primary"
              onClick={check}
              disabled={busy || !address.trim() || !Number.isInteger(port)}
              icon={probe.isPending ? <Spinner size="tiny" /> : undefined}
            >
              Check host key
            </Button>
          )}
        </DialogActions>
      </DialogBody>
    </DialogSurface>
  );
}
