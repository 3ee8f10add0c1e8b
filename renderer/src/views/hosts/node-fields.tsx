import { Field, Input } from '@fluentui/react-components';
import type { HostDto, ProvisionInputDto } from '@flotilla/electron/common/contract';

export type NodeFieldsValue = Omit<ProvisionInputDto, 'hostId' | 'port'> & { port: string };

/** What a new node on `host` starts with: its saved settings, or sensible defaults to edit. */
export function defaultNodeFields(host: HostDto, suggestedName: string): NodeFieldsValue {
  const node = host.node;
  return {
    nodeName: node?.name ?? suggestedName,
    listenHost: node?.listenHost ?? '0.0.0.0',
    port: String(node?.port ?? 8080),
    publicUrl: node?.publicUrl ?? `http://${host.address}:8080`,
    installRoot: node?.installRoot ?? '/opt/flotilla',
  };
}

export function toProvisionInput(hostId: string, value: NodeFieldsValue): ProvisionInputDto {
  return { ...value, hostId, port: Number(value.port) };
}

/** Node name, listen address and port, public URL, install root: the settings of a node to provision. */
export function NodeFields({
  value,
  onChange,
}: {
  value: NodeFieldsValue;
  onChange: (value: NodeFieldsValue) => void;
}) {
  const set = (key: keyof NodeFieldsValue) => (_event: unknown, data: { value: string }) =>
    onChange({ ...value, [key]: data.value });
  return (
    <>
      <Field label="Node name" required hint="Lower-case letters, digits and dashes; unique in the cluster">
        <Input value={value.nodeName} onChange={set('nodeName')} />
      </Field>
      <div style={{ display: 'grid', gridTemplateColumns: '1fr 110px', gap: 12 }}>
        <Field label="Listen address" required hint="0.0.0.0 for every interface">
          <Input value={value.listenHost} onChange={set('listenHost')} />
        </Field>
        <Field label="Port" required>
          <Input type="number" style={{ minWidth: 0 }} value={value.port} onChange={set('port')} />
        </Field>
      </div>
      <Field label="Public URL" required hint="How the balancer and the other nodes reach this node">
        <Input value={value.publicUrl} onChange={set('publicUrl')} />
      </Field>
      <Field label="Install root" required hint="Versions, config and logs go under this folder on the host">
        <Input value={value.installRoot} onChange={set('installRoot')} />
      </Field>
    </>
  );
}
