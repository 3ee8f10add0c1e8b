import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balancerMember } from './balancer-member.js';
import { HaproxyBalancer } from './haproxy-balancer.js';
import { readHaproxyTemplate, renderHaproxyConfig, type HaproxyConfigInput } from './haproxy-config.js';
import { readHaproxyServers, withHaproxyServers } from './haproxy-server-block.js';
import { LocalBalancerHost } from './local-balancer-host.js';

const run = promisify(execFile);

describe('haproxy.cfg from the template', () => {
  let dir: string;
  let template: string;
  let input: HaproxyConfigInput;
  let balancer: HaproxyBalancer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-haproxy-config-'));
    template = await readHaproxyTemplate();
    input = {
      cluster: 'production',
      listen: { host: '127.0.0.1', port: 8080 },
      servers: [
        balancerMember('node-1', 'http://127.0.0.1:5001'),
        balancerMember('node-2', 'http://10.0.0.2:5000'),
      ],
      runtimeSocket: path.join(dir, 'runtime.sock'),
      stateFile: path.join(dir, 'server-state'),
      stats: { host: '127.0.0.1', port: 8404 },
    };
    await writeFile(input.stateFile, '1\n');
    balancer = new HaproxyBalancer({
      host: new LocalBalancerHost(),
      configFile: path.join(dir, 'haproxy.cfg'),
      runtimeSocket: input.runtimeSocket,
      masterSocket: path.join(dir, 'master.sock'),
      stateFile: input.stateFile,
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('has the health, retry and timeout rules, and haproxy -c accepts it without warnings', async () => {
    const config = renderHaproxyConfig(input, template);
    for (const line of [
      'bind 127.0.0.1:8080',
      'option httpchk GET /api/nodes/ping',
      'http-check expect status 200',
      'default-server inter 1s fastinter 500ms fall 2 rise 2',
      'on-marked-down shutdown-sessions',
      'retries 3',
      'option redispatch 1',
      'retry-on conn-failure empty-response response-timeout',
      `stats socket ${input.runtimeSocket} mode 600 level admin expose-fd listeners`,
      'server node-1 127.0.0.1:5001 check',
      'server node-2 10.0.0.2:5000 check',
      'timeout client 1h',
      'bind 127.0.0.1:8404',
    ]) {
      expect(config).toContain(line);
    }
    expect(config).not.toContain('{{');
    expect(config).not.toContain(' ssl crt ');
    expect(config).not.toContain('ssl-default-bind-options');
    expect(config).not.toMatch(/stats admin/);
    expect(await balancer.validate(config)).toEqual({ valid: true, output: '' });
  });

  it('terminates TLS with a PEM, and leaves out the stats page on request', async () => {
    const pem = path.join(dir, 'site.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=flotilla.test',
      '-keyout',
      path.join(dir, 'site.key'),
      '-out',
      path.join(dir, 'site.crt'),
    ]);
    await writeFile(
      pem,
      (await readFile(path.join(dir, 'site.crt'), 'utf8')) +
        (await readFile(path.join(dir, 'site.key'), 'utf8')),
    );
    const config = renderHaproxyConfig({ ...input, tls: { pemFile: pem }, stats: null }, template);
    expect(config).toContain(`bind 127.0.0.1:8080 ssl crt ${pem} alpn h2,http/1.1`);
    expect(config).toContain('ssl-default-bind-options ssl-min-ver TLSv1.2');
    expect(config).not.toContain('listen stats');
    expect((await balancer.validate(config)).valid).toBe(true);
  });

  it("returns haproxy's own words for a broken config", async () => {
    const broken = renderHaproxyConfig(input, template).replace('balance roundrobin', 'balance sideways');
    const validation = await balancer.validate(broken);
    expect(validation.valid).toBe(false);
    expect(validation.output).toMatch(/\[ALERT\].*balance only supports/);
  });

  it('rewrites only the managed server block, keeping hand edits', () => {
    const config = renderHaproxyConfig(input, template).replace(
      'timeout queue 15s',
      'timeout queue 20s # admin',
    );
    const next = withHaproxyServers(config, [
      ...readHaproxyServers(config),
      { name: 'node-3', address: '[::1]:5003' },
    ]);
    expect(readHaproxyServers(next).map((server) => server.name)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(next).toContain('timeout queue 20s # admin');
    expect(withHaproxyServers(next, readHaproxyServers(config))).toBe(config);
  });

  it('refuses names and addresses that would inject configuration', () => {
    const render = (name: string, address = '127.0.0.1:1') =>
      renderHaproxyConfig({ ...input, servers: [{ name, address }] }, template);
    expect(() => render('node 1')).toThrow(/cannot be a balancer server name/);
    expect(() => render('node-1\n    stats admin if TRUE')).toThrow(/cannot be a balancer server name/);
    expect(() => render('node-1', '127.0.0.1:1 backup')).toThrow(/not a host:port address/);
    expect(() => renderHaproxyConfig({ ...input, runtimeSocket: '/tmp/a b' }, template)).toThrow(/spaces/);
  });
});
