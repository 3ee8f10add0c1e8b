import {
  Body1,
  Button,
  Checkbox,
  Field,
  Input,
  Radio,
  RadioGroup,
  Textarea,
} from '@fluentui/react-components';
import type {
  DirectorySettingsDto,
  DirectorySettingsInput,
  DirectoryTestResultDto,
} from '@flotilla/electron/common/contract';
import { DIRECTORY_USER_FILTERS, ROLES } from '@flotilla/electron/common/directory-defaults';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { errorText } from '../../components/format';
import { useNotify } from '../../components/use-notify';
import { useSaveDirectorySettings, useTestDirectorySettings } from '../../hooks/use-directory';

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** "CN=Group,OU=…  = role" per line: the group → role table as the administrator types it. */
function parseGroupRoles(text: string): DirectorySettingsInput['groupRoles'] {
  return lines(text).map((line) => {
    const at = line.lastIndexOf('=');
    const role = line.slice(at + 1).trim() as DirectorySettingsInput['groupRoles'][number]['role'];
    return { group: line.slice(0, at).trim(), role };
  });
}

/**
 * Directory sign-in (Active Directory / LDAP) for the whole cluster: servers, service bind, where users
 * and groups are, which groups get which role. "Test settings" tries the settings as typed, before saving.
 */
export function DirectorySettingsDialog({
  settings,
  onClose,
}: {
  settings: DirectorySettingsDto;
  onClose: () => void;
}) {
  const [enabled, setEnabled] = useState(settings.enabled);
  const [urls, setUrls] = useState(settings.urls.join('\n'));
  const [startTls, setStartTls] = useState(settings.startTls);
  const [bindDn, setBindDn] = useState(settings.bindDn ?? '');
  const [bindPassword, setBindPassword] = useState('');
  const [userBase, setUserBase] = useState(settings.userBase);
  const [userFilter, setUserFilter] = useState(settings.userFilter);
  const [groupBase, setGroupBase] = useState(settings.groupBase);
  const [groupLookup, setGroupLookup] = useState(settings.groupLookup);
  const [groupRoles, setGroupRoles] = useState(
    settings.groupRoles.map(({ group, role }) => `${group} = ${role}`).join('\n'),
  );
  const [caCertificate, setCaCertificate] = useState(settings.caCertificate ?? '');
  const [recheckMinutes, setRecheckMinutes] = useState(String(settings.recheckMinutes));
  const [testUser, setTestUser] = useState('');
  const [testPassword, setTestPassword] = useState('');
  const save = useSaveDirectorySettings();
  const test = useTestDirectorySettings();
  const notify = useNotify();

  const input: DirectorySettingsInput = {
    enabled,
    urls: lines(urls),
    startTls,
    bindDn: bindDn.trim() === '' ? null : bindDn.trim(),
    // Empty keeps the stored password (the console never sees it).
    ...(bindPassword === '' ? {} : { bindPassword }),
    userBase,
    userFilter,
    groupBase,
    groupLookup,
    groupRoles: parseGroupRoles(groupRoles),
    caCertificate: caCertificate.trim() === '' ? null : caCertificate,
    recheckMinutes: Number(recheckMinutes),
  };
  const result: DirectoryTestResultDto | undefined = test.data;

  return (
    <ConfirmDialog
      open
      title="Directory sign-in (Active Directory / LDAP)"
      confirmLabel="Save"
      busy={save.isPending}
      error={save.error ? errorText(save.error) : null}
      onCancel={onClose}
      onConfirm={() =>
        save.mutate(input, {
          onSuccess: () => {
            notify.success(
              'Directory settings saved',
              enabled ? 'Directory users can sign in.' : 'Directory sign-in is off.',
            );
            onClose();
          },
        })
      }
    >
      <div style={{ display: 'flex', flexDirection: 'column', gap: 10 }} data-testid="directory-settings">
        <Checkbox
          checked={enabled}
          onChange={(_e, data) => setEnabled(data.checked === true)}
          label="Let directory users sign in (local users always can)"
        />
        <Field
          label="Server URLs, one per line, tried in order"
          hint="ldap://dc1.corp.example:389 or ldaps://…:636"
        >
          <Textarea value={urls} onChange={(_e, data) => setUrls(data.value)} rows={2} />
        </Field>
        <Checkbox
          checked={startTls}
          onChange={(_e, data) => setStartTls(data.checked === true)}
          label="StartTLS on ldap:// URLs"
        />
        <Field label="Bind DN (empty: anonymous)">
          <Input value={bindDn} onChange={(_e, data) => setBindDn(data.value)} />
        </Field>
        <Field
          label="Bind password"
          hint={settings.bindPasswordSet ? 'Set; leave empty to keep it' : 'Encrypted with the master key'}
        >
          <Input type="password" value={bindPassword} onChange={(_e, data) => setBindPassword(data.value)} />
        </Field>
        <Field label="User search base">
          <Input
            value={userBase}
            onChange={(_e, data) => setUserBase(data.value)}
            placeholder="OU=Staff,DC=corp,DC=example"
          />
        </Field>
        <Field label="User filter ({username} is the name typed at sign-in)">
          <div style={{ display: 'flex', gap: 8 }}>
            <Input
              style={{ flexGrow: 1 }}
              value={userFilter}
              onChange={(_e, data) => setUserFilter(data.value)}
            />
            <Button size="small" onClick={() => setUserFilter(DIRECTORY_USER_FILTERS.activeDirectory)}>
              Active Directory
            </Button>
            <Button size="small" onClick={() => setUserFilter(DIRECTORY_USER_FILTERS.openLdap)}>
              OpenLDAP
            </Button>
          </div>
        </Field>
        <RadioGroup
          value={groupLookup}
          onChange={(_e, data) => setGroupLookup(data.value as DirectorySettingsInput['groupLookup'])}
        >
          <Radio
            value="in-chain"
            label="Groups by Active Directory's in-chain rule (nested groups in one search)"
          />
          <Radio
            value="member-of"
            label="Groups from memberOf, nested ones followed (OpenLDAP memberof overlay)"
          />
        </RadioGroup>
        {groupLookup === 'in-chain' && (
          <Field label="Group search base (empty: the user search base)">
            <Input value={groupBase} onChange={(_e, data) => setGroupBase(data.value)} />
          </Field>
        )}
        <Field label={`Groups and roles, one per line: group DN = ${ROLES.join(' | ')}`}>
          <Textarea
            value={groupRoles}
            onChange={(_e, data) => setGroupRoles(data.value)}
            rows={3}
            placeholder="CN=Flotilla Admins,OU=Groups,DC=corp,DC=example = administrator"
          />
        </Field>
        <Field label="CA certificate for ldaps:// and StartTLS (PEM; empty: the system's)">
          <Textarea value={caCertificate} onChange={(_e, data) => setCaCertificate(data.value)} rows={2} />
        </Field>
        <Field label="Check directory users every (minutes)">
          <Input
            type="number"
            value={recheckMinutes}
            onChange={(_e, data) => setRecheckMinutes(data.value)}
          />
        </Field>

        <Body1>Test settings: bind, find a user, show their groups and the role they would get.</Body1>
        <div style={{ display: 'flex', gap: 8, alignItems: 'end' }}>
          <Field label="User name">
            <Input value={testUser} onChange={(_e, data) => setTestUser(data.value)} />
          </Field>
          <Field label="Their password (optional)">
            <Input
              type="password"
              value={testPassword}
              onChange={(_e, data) => setTestPassword(data.value)}
            />
          </Field>
          <Button
            disabled={test.isPending || testUser.trim() === ''}
            onClick={() =>
              test.mutate({
                settings: input,
                username: testUser,
                ...(testPassword === '' ? {} : { password: testPassword }),
              })
            }
          >
            Test settings
          </Button>
        </div>
        {test.error && (
          <Body1 style={{ color: '#c50f1f' }} role="alert">
            {errorText(test.error)}
          </Body1>
        )}
        {result && !test.isPending && (
          <div data-testid="directory-test-result">
            <Body1 block>
              {result.userDn} on {result.url}:{' '}
              {result.role ? `role ${result.role}` : 'in no mapped group: would be refused'}
              {result.passwordAccepted === null
                ? ''
                : result.passwordAccepted
                  ? '; password accepted'
                  : '; wrong password'}
            </Body1>
            {result.hint && <Body1 block>{result.hint}</Body1>}
            <ul aria-label="Groups found">
              {result.groups.map((group) => (
                <li key={group}>{group}</li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </ConfirmDialog>
  );
}
