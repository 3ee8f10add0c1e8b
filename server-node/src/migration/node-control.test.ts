import { describe, expect, it } from 'vitest';
import { parseSystemdUnit } from './node-control.js';

describe('finding the service manager that runs the node', () => {
  it('reads the systemd unit from the cgroup, and ignores user sessions and scopes', () => {
    expect(parseSystemdUnit('0::/system.slice/flotilla-node.service\n')).toBe('flotilla-node.service');
    expect(parseSystemdUnit('1:name=systemd:/system.slice/flotilla-node@a.service\n')).toBe(
      'flotilla-node@a.service',
    );
    expect(parseSystemdUnit('0::/user.slice/user-0.slice/user@0.service/app.slice/x.service\n')).toBeNull();
    expect(parseSystemdUnit('0::/user.slice/user-1000.slice/session-3.scope\n')).toBeNull();
    expect(parseSystemdUnit('0::/\n')).toBeNull();
  });
});
