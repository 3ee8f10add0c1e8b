import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDto } from '../../api/index.js';
import { TestCluster } from '../../test-support/test-cluster.js';
import type { TestUser } from '../../test-support/users.js';
import { createUser, signIn } from '../../test-support/users.js';

describe('who may read /metrics (cluster setting "metrics")', () => {
  const cluster = new TestCluster();
  let viewer: TestUser;
  const scrape = async (headers: Record<string, string> = {}) => {
    const response = await fetch(`${cluster.node('node-1').url}/metrics`, { headers });
    return { status: response.status, text: await response.text() };
  };
  const setMetrics = (value: unknown) =>
    cluster.db.query(`update cluster set settings = settings || jsonb_build_object('metrics', $1::jsonb)`, [
      JSON.stringify(value),
    ]);

  beforeAll(async () => {
    await cluster.create({ nodes: 1 });
    viewer = await createUser(cluster, 'grafana', 'viewer');
  });
  afterAll(() => cluster.destroy());

  it('needs a valid API key by default; any role will do', async () => {
    const anonymous = await scrape();
    expect(anonymous.status).toBe(401);
    expect((JSON.parse(anonymous.text) as ErrorDto).error).toMatch(/\/metrics needs an API key/);
    expect(anonymous.text).not.toMatch(/flotilla_/);
    for (const authorization of [
      'Bearer flt_not-a-key',
      'Basic YWRtaW46YWRtaW4=',
      'Bearer',
      `Bearer  ${viewer.apiKey}`,
    ]) {
      const refused = await scrape({ authorization });
      expect({ authorization, status: refused.status }).toEqual({ authorization, status: 401 });
      expect(refused.text).not.toMatch(/flotilla_/);
    }
    // A browser session is not an API key.
    const session = await signIn(cluster.node('node-1').url, viewer.username, viewer.password);
    expect((await scrape({ cookie: session.cookie })).status).toBe(401);

    for (const key of [viewer.apiKey, cluster.apiKey]) {
      const scraped = await scrape({ authorization: `Bearer ${key}` });
      expect(scraped.status).toBe(200);
      expect(scraped.text).toMatch(/flotilla_node_task_cap 5/);
    }
  });

  it('refuses a key whose user was disabled', async () => {
    const disabled = await createUser(cluster, 'old-scraper', 'viewer');
    expect((await cluster.api('PATCH', `/api/users/${disabled.id}`, { disabled: true })).status).toBe(200);
    expect((await scrape({ authorization: `Bearer ${disabled.apiKey}` })).status).toBe(401);
  });

  it('is open to anyone when set to public, and gone (404) when set to off, without a restart', async () => {
    await setMetrics('public');
    const open = await scrape();
    expect(open.status).toBe(200);
    expect(open.text).toMatch(/flotilla_task_pickup_seconds_bucket/);

    await setMetrics('off');
    const asAdmin: Record<string, string> = { authorization: `Bearer ${cluster.apiKey}` };
    for (const headers of [{}, asAdmin]) {
      const off = await scrape(headers);
      expect(off.status).toBe(404);
      expect(off.text).not.toMatch(/flotilla_/);
    }
    // A value the node does not know falls back to the default, never to public.
    await setMetrics('Public');
    expect((await scrape()).status).toBe(401);
    await setMetrics('key');
    expect((await scrape()).status).toBe(401);
  });

  it('shows the setting in the cluster view', async () => {
    const view = await cluster.api<{ settings: { metrics: string } }>('GET', '/api/cluster');
    expect(view.body.settings.metrics).toBe('key');
  });
});
