import { Dropdown, Field, Option } from '@fluentui/react-components';
import type { HostDto } from '@flotilla/electron/common/contract';

const hostLabel = (host: HostDto) => `${host.username}@${host.address}`;

/** Choose one of the Hosts view's hosts (by id); says where to add one when there is none. */
export function HostPicker({
  label,
  hosts,
  hostId,
  onChange,
}: {
  label: string;
  hosts: HostDto[];
  hostId: string;
  onChange: (hostId: string) => void;
}) {
  const chosen = hosts.find((host) => host.id === hostId);
  return (
    <Field label={label}>
      <Dropdown
        value={chosen ? hostLabel(chosen) : ''}
        selectedOptions={hostId ? [hostId] : []}
        onOptionSelect={(_e, data) => onChange(data.optionValue ?? '')}
        placeholder={hosts.length ? 'Choose a host' : 'Add the host in the Hosts view first'}
      >
        {hosts.map((host) => (
          <Option key={host.id} value={host.id}>
            {hostLabel(host)}
          </Option>
        ))}
      </Dropdown>
    </Field>
  );
}
