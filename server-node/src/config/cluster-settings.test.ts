import { describe, expect, it } from 'vitest';
import { checkSettings, DEFAULT_SETTINGS, resolveSettings } from './cluster-settings.js';

describe('cluster settings', () => {
  it('default to 4 GiB and 100 000 entries per package, and /metrics behind an API key', () => {
    expect(resolveSettings({})).toMatchObject({
      packageMaxBytes: 4 * 1024 ** 3,
      packageMaxEntries: 100_000,
      metrics: 'key',
    });
    expect(resolveSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('take each valid stored value', () => {
    expect(
      resolveSettings({ metrics: 'public', packageMaxBytes: 1024, packageMaxEntries: 10, heartbeatMs: 500 }),
    ).toMatchObject({ metrics: 'public', packageMaxBytes: 1024, packageMaxEntries: 10, heartbeatMs: 500 });
    expect(resolveSettings({ metrics: 'off' }).metrics).toBe('off');
  });

  it('fall back to the default for a bad value alone, never opening /metrics or dropping the others', () => {
    const settings = resolveSettings({
      metrics: 'Public',
      packageMaxBytes: -1,
      packageMaxEntries: '1e9',
      heartbeatMs: 2000,
      fromANewerVersion: true,
    });
    expect(settings).toMatchObject({
      metrics: 'key',
      packageMaxBytes: DEFAULT_SETTINGS.packageMaxBytes,
      packageMaxEntries: DEFAULT_SETTINGS.packageMaxEntries,
      heartbeatMs: 2000,
    });
    expect(settings).not.toHaveProperty('fromANewerVersion');
    expect(resolveSettings({ metrics: null }).metrics).toBe('key');
    expect(resolveSettings('public').metrics).toBe('key');
  });

  it('call a timing that lets a peer take over work before its owner fenced itself unsafe', () => {
    expect(checkSettings(DEFAULT_SETTINGS)).toBeNull();
    expect(checkSettings({ ...DEFAULT_SETTINGS, fenceAfterMs: 5000 })).toMatch(
      /fenceAfterMs \(5000\) must be below deadAfterMs/,
    );
    expect(checkSettings({ ...DEFAULT_SETTINGS, offlineAfterMs: 6000 })).toMatch(/offlineAfterMs/);
    expect(checkSettings({ ...DEFAULT_SETTINGS, heartbeatMs: 2500 })).toMatch(/at least two heartbeats/);
  });
});
