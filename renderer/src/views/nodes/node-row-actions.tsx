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
  NumberSymbolRegular,
} from '@fluentui/react-icons';
import type { NodeDto } from '@flotilla/electron/common/contract';

export interface NodeActionHandlers {
  onDrain: (node: NodeDto, drain: boolean) => void;
  onCap: (node: NodeDto) => void;
  onRemove: (node: NodeDto) => void;
  onRestart: (node: NodeDto) => void;
  /** Why a graceful restart is not possible from here (null: it is): only nodes the console provisioned. */
  restartBlocked: (node: NodeDto) => string | null;
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
          <Tooltip
            content={drainReason ?? ''}
            relationship="description"
            visible={drainReason ? undefined : false}
          >
            <MenuItem
              icon={draining ? <ArrowEnterRegular /> : <ArrowExitRegular />}
              disabled={drainReason !== null}
              onClick={() => handlers.onDrain(node, !draining)}
            >
              {draining ? 'Undrain' : 'Drain…'}
            </MenuItem>
          </Tooltip>
          <Tooltip
            content={restartReason ?? ''}
            relationship="description"
            visible={restartReason ? undefined : false}
          >
            <MenuItem
              icon={<ArrowClockwiseRegular />}
              disabled={restartReason !== null}
              onClick={() => handlers.onRestart(node)}
            >
              Graceful restart…
            </MenuItem>
          </Tooltip>
          <MenuItem
            icon={<NumberSymbolRegular />}
            disabled={denied !== null}
            onClick={() => handlers.onCap(node)}
          >
            Change task cap…
          </MenuItem>
          <Tooltip
            content={removeReason ?? ''}
            relationship="description"
            visible={removeReason ? undefined : false}
          >
            <MenuItem
              icon={<DeleteRegular />}
              disabled={removeReason !== null}
              onClick={() => handlers.onRemove(node)}
            >
              Remove node…
            </MenuItem>
          </Tooltip>
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}
