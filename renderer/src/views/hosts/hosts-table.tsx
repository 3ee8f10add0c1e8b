import {
  Badge,
  Button,
  Caption1,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Tooltip,
  tokens,
} from '@fluentui/react-components';
import {
  ArrowClockwiseRegular,
  ArrowSwapRegular,
  DeleteRegular,
  KeyRegular,
  MoreHorizontalRegular,
  RocketRegular,
  ServerRegular,
} from '@fluentui/react-icons';
import type { HostDto } from '@flotilla/electron/common/contract';

export interface HostRowHandlers {
  onProvision: (host: HostDto) => void;
  onRestart: (host: HostDto) => void;
  onRemoveNode: (host: HostDto) => void;
  onReplace: (host: HostDto) => void;
  onConfirmKey: (host: HostDto) => void;
  onRemoveHost: (host: HostDto) => void;
}

const AUTH_LABEL = {
  key: 'private key',
  keyWithPassphrase: 'key + passphrase',
  password: 'password',
} as const;

/** The inventory: where each host is, how the console signs in, its pinned key, OS and node. */
export function HostsTable({
  hosts,
  denied,
  handlers,
}: {
  hosts: HostDto[];
  denied: string | null;
  handlers: HostRowHandlers;
}) {
  return (
    <Table aria-label="Hosts" size="small">
      <TableHeader>
        <TableRow>
          <TableHeaderCell>Host</TableHeaderCell>
          <TableHeaderCell>Sign-in</TableHeaderCell>
          <TableHeaderCell>OS</TableHeaderCell>
          <TableHeaderCell>Host key</TableHeaderCell>
          <TableHeaderCell>Node</TableHeaderCell>
          <TableHeaderCell style={{ width: 48 }} aria-label="Actions" />
        </TableRow>
      </TableHeader>
      <TableBody>
        {hosts.map((host) => (
          <TableRow key={host.id} data-testid="host-row" data-address={host.address}>
            <TableCell>
              {host.username}@{host.address}:{host.sshPort}
            </TableCell>
            <TableCell>{AUTH_LABEL[host.authKind]}</TableCell>
            <TableCell>
              {host.os ? (
                <Tooltip content={`kernel ${host.os.kernel}`} relationship="description">
                  <span>
                    {host.os.name} · {host.os.arch}
                  </span>
                </Tooltip>
              ) : (
                'not detected'
              )}
            </TableCell>
            <TableCell>
              <Caption1
                title={`${host.hostKeyType} ${host.hostKey}`}
                data-testid="pinned-fingerprint"
                style={{
                  fontFamily: tokens.fontFamilyMonospace,
                  display: 'block',
                  maxWidth: 220,
                  overflow: 'hidden',
                  textOverflow: 'ellipsis',
                  whiteSpace: 'nowrap',
                }}
              >
                {host.hostKey}
              </Caption1>
            </TableCell>
            <TableCell>
              <NodeCell host={host} />
            </TableCell>
            <TableCell>
              <HostRowActions host={host} denied={denied} handlers={handlers} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function NodeCell({ host }: { host: HostDto }) {
  if (host.busyWith)
    return (
      <Badge appearance="tint" color="informative" data-testid="host-node" title={host.busyWith}>
        {host.node ? `${host.node.name}: busy` : 'busy'}
      </Badge>
    );
  if (!host.node) return <Caption1 data-testid="host-node">none</Caption1>;
  return (
    <span data-testid="host-node" data-state={host.node.state}>
      {host.node.name}{' '}
      <Badge appearance="tint" color={host.node.state === 'provisioned' ? 'success' : 'warning'}>
        {host.node.state === 'provisioned' ? 'provisioned' : 'not finished'}
      </Badge>
    </span>
  );
}

function HostRowActions({
  host,
  denied,
  handlers,
}: {
  host: HostDto;
  denied: string | null;
  handlers: HostRowHandlers;
}) {
  const busy = host.busyWith ? `Busy with "${host.busyWith}": one action per host at a time.` : null;
  const provisioned = host.node?.state === 'provisioned';
  const noNode = provisioned ? null : `${host.address} runs no provisioned node.`;
  const item = (label: string, icon: React.JSX.Element, reason: string | null, onClick: () => void) => (
    <Tooltip content={reason ?? ''} relationship="description" visible={reason ? undefined : false}>
      <MenuItem icon={icon} disabled={reason !== null} onClick={onClick}>
        {label}
      </MenuItem>
    </Tooltip>
  );
  const runReason = denied ?? busy;
  return (
    <Menu positioning="below-end">
      <MenuTrigger disableButtonEnhancement>
        <Button
          appearance="subtle"
          icon={<MoreHorizontalRegular />}
          aria-label={`Actions for ${host.address}`}
        />
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          {item(
            provisioned ? 'Provision again…' : host.node ? 'Resume provisioning…' : 'Provision a node…',
            <RocketRegular />,
            runReason,
            () => handlers.onProvision(host),
          )}
          {item('Graceful restart…', <ArrowClockwiseRegular />, runReason ?? noNode, () =>
            handlers.onRestart(host),
          )}
          {item('Replace onto another host…', <ArrowSwapRegular />, runReason ?? noNode, () =>
            handlers.onReplace(host),
          )}
          {item(
            'Remove node…',
            <ServerRegular />,
            runReason ?? (host.node ? null : `${host.address} runs no node.`),
            () => handlers.onRemoveNode(host),
          )}
          {item('Confirm a new host key…', <KeyRegular />, runReason, () => handlers.onConfirmKey(host))}
          {item('Remove host', <DeleteRegular />, runReason, () => handlers.onRemoveHost(host))}
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
