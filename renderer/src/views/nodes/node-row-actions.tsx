import {
  Button,
  Menu,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Tooltip,
} from '@fluentui/react-components';
import {
  ArrowClockwiseRegular,
  ArrowEnterRegular,
  ArrowExitRegular,
  DeleteRegular,
  MoreHorizontalRegular,
  DocumentTextRegular,
  NumberSymbolRegular,
} from '@fluentui/react-icons';
import type { NodeDto } from '@flotilla/electron/common/contract';

export interface NodeActionHandlers {
  onDrain: (node: NodeDto, drain: boolean) => void;
  onCap: (node: NodeDto) => void;
  onRemove: (node: NodeDto) => void;
  onRestart: (node: NodeDto) => void;
  onShowLog: (node: NodeDto) => void;
  /** Why the caller may not read node logs (null: they may). */
  logDenied: string | null;
  /** Why a graceful restart is not possible from here (null: it is): only nodes the console provisioned. */
  restartBlocked: (node: NodeDto) => string | null;
}

/** A menu item that is disabled with its reason shown as a tooltip. */
function ReasonMenuItem({
  reason,
  icon,
  onClick,
  children,
}: {
  reason: string | null;
  icon: React.JSX.Element;
  onClick: () => void;
  children: React.ReactNode;
}) {
  return (
    <Tooltip content={reason ?? ''} relationship="description" visible={reason ? undefined : false}>
      <MenuItem icon={icon} disabled={reason !== null} onClick={onClick}>
        {children}
      </MenuItem>
    </Tooltip>
  );
}

/** Why a node cannot be removed right now, or null when it can. */
export function removeBlockedReason(node: NodeDto): string | null {
  return node.state === 'offline' || node.state === 'dead'
    ? null
    : 'Only an offline or dead node can be removed: stop it first (drain it, then stop its service).';
}

export function NodeRowActions({
  node,
  denied,
  handlers,
}: {
  node: NodeDto;
  denied: string | null;
  handlers: NodeActionHandlers;
}) {
  const draining = node.state === 'draining';
  const gone = node.state === 'offline' || node.state === 'dead';
  const removeReason = denied ?? removeBlockedReason(node);
  const drainReason = denied ?? (gone ? `${node.name} is ${node.state}: there is nothing to drain.` : null);
  const restartReason = denied ?? handlers.restartBlocked(node);
  const logReason =
    handlers.logDenied ??
    (gone ? `${node.name} is ${node.state}: its log stays on its host, in logs/node.log of its home.` : null);
  return (
    <Menu positioning="below-end">
      <MenuTrigger disableButtonEnhancement>
        <Button
          appearance="subtle"
          icon={<MoreHorizontalRegular />}
          aria-label={`Actions for ${node.name}`}
        />
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          <ReasonMenuItem
            reason={logReason}
            icon={<DocumentTextRegular />}
            onClick={() => handlers.onShowLog(node)}
          >
            Show log
          </ReasonMenuItem>
          <ReasonMenuItem
            reason={drainReason}
            icon={draining ? <ArrowEnterRegular /> : <ArrowExitRegular />}
            onClick={() => handlers.onDrain(node, !draining)}
          >
            {draining ? 'Undrain' : 'Drain…'}
          </ReasonMenuItem>
          <ReasonMenuItem
            reason={restartReason}
            icon={<ArrowClockwiseRegular />}
            onClick={() => handlers.onRestart(node)}
          >
            Graceful restart…
          </ReasonMenuItem>
          <MenuItem
            icon={<NumberSymbolRegular />}
            disabled={denied !== null}
            onClick={() => handlers.onCap(node)}
          >
            Change task cap…
          </MenuItem>
          <ReasonMenuItem
            reason={removeReason}
            icon={<DeleteRegular />}
            onClick={() => handlers.onRemove(node)}
          >
            Remove node…
          </ReasonMenuItem>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
