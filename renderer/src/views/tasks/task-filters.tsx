import { Dropdown, Input, Option } from '@fluentui/react-components';
import type { TaskState } from '@flotilla/electron/common/contract';
import { useNodes } from '../../hooks/use-snapshot';
import { useTaskViewStore } from '../../stores/task-view-store';

const STATES: TaskState[] = ['queued', 'executing', 'succeeded', 'failed', 'canceled'];
const ANY = '';

export function TaskFilters() {
  const { filter, setFilter } = useTaskViewStore();
  const nodes = useNodes();
  return (
    <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap' }}>
      <Dropdown
        aria-label="Filter by state"
        value={filter.state ?? 'Any state'}
        selectedOptions={[filter.state ?? ANY]}
        onOptionSelect={(_e, data) =>
          setFilter({ ...filter, state: (data.optionValue || undefined) as TaskState | undefined })
        }
        style={{ minWidth: 150 }}
      >
        <Option value={ANY}>Any state</Option>
        {STATES.map((state) => (
          <Option key={state} value={state}>
            {state}
          </Option>
        ))}
      </Dropdown>
      <Dropdown
        aria-label="Filter by node"
        value={filter.node ?? 'Any node'}
        selectedOptions={[filter.node ?? ANY]}
        onOptionSelect={(_e, data) => setFilter({ ...filter, node: data.optionValue || undefined })}
        style={{ minWidth: 150 }}
      >
        <Option value={ANY}>Any node</Option>
        {nodes.map((node) => (
          <Option key={node.name} value={node.name}>
            {node.name}
          </Option>
        ))}
      </Dropdown>
      <Input
        aria-label="Filter by kind"
        placeholder="Kind (noop, script, deploy…)"
        value={filter.kind ?? ''}
        onChange={(_e, data) => setFilter({ ...filter, kind: data.value.trim() || undefined })}
      />
    </div>
  );
}
