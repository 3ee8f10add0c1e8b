import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, resolveSettings } from './cluster-settings.js';

describe('cluster settings', () => {
  it('default to /metrics behind an API key', () => {
    expect(resolveSettings({})).toMatchObject({ metrics: 'key' });
    expect(resolveSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('take each valid stored value', () => {
    expect(resolveSettings({ metrics: 'public', heartbeatMs: 500 })).toMatchObject({
      metrics: 'public',
      heartbeatMs: 500,
    });
    expect(resolveSettings({ metrics: 'off' }).metrics).toBe('off');
  });

  it('fall back to the default for a bad value alone, never opening /metrics or dropping the others', () => {
    const settings = resolveSettings({ metrics: 'Public', heartbeatMs: 2000, fromANewerVersion: true });
    expect(settings).toMatchObject({ metrics: 'key', heartbeatMs: 2000 });
    expect(settings).not.toHaveProperty('fromANewerVersion');
    expect(resolveSettings({ metrics: null }).metrics).toBe('key');
    expect(resolveSettings('public').metrics).toBe('key');
  });
});
