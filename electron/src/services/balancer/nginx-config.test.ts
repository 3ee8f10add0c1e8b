import { describe, expect, it } from 'vitest';
import { balancerMember } from './balancer-member.js';
import { renderNginxConfig } from './nginx-config.js';

describe('nginx site generation', () => {
  const servers = [
    balancerMember('node-1', 'http://10.0.0.1:5000'),
    balancerMember('node-2', 'http://10.0.0.2:5000'),
  ];

  it('balances over every node with passive health, retries, streaming and uploads', () => {
    const config = renderNginxConfig({ cluster: 'prod-eu', listen: { port: 80 }, servers });
    for (const line of [
      'upstream flotilla_prod_eu {',
      'server 10.0.0.1:5000 max_fails=2 fail_timeout=10s;  # node-1',
      'server 10.0.0.2:5000 max_fails=2 fail_timeout=10s;  # node-2',
      'listen 80;',
      'proxy_pass http://flotilla_prod_eu;',
      'proxy_next_upstream error timeout http_502 http_503;',
      'client_max_body_size 10g;',
      'proxy_buffering off;',
      'proxy_read_timeout 1h;',
      'proxy_http_version 1.1;',
      'proxy_set_header Upgrade $http_upgrade;',
      'proxy_set_header Connection $flotilla_connection;',
    ]) {
      expect(config).toContain(line);
    }
    expect(config).toContain('not managed live');
    expect(config).not.toContain('non_idempotent');
    expect(config).not.toContain('ssl');
    // Balanced braces: every block that opens closes.
    expect(config.split('{').length).toBe(config.split('}').length);
  });

  it('terminates TLS when given a certificate and key', () => {
    const config = renderNginxConfig({
      cluster: 'prod',
      listen: { host: '0.0.0.0', port: 443 },
      serverName: 'deploy.example.com',
      tls: { certificateFile: '/etc/ssl/flotilla.crt', keyFile: '/etc/ssl/private/flotilla.key' },
      servers,
      maxBodySize: '20g',
    });
    expect(config).toContain('listen 0.0.0.0:443 ssl;');
    expect(config).toContain('ssl_certificate /etc/ssl/flotilla.crt;');
    expect(config).toContain('ssl_certificate_key /etc/ssl/private/flotilla.key;');
    expect(config).toContain('server_name deploy.example.com;');
    expect(config).toContain('client_max_body_size 20g;');
  });

  it('refuses values that would break out of a directive', () => {
    expect(() =>
      renderNginxConfig({
        cluster: 'c',
        listen: { port: 80 },
        serverName: 'a; include /etc/passwd',
        servers,
      }),
    ).toThrow(/cannot be written into an nginx config/);
    expect(() =>
      renderNginxConfig({
        cluster: 'c',
        listen: { port: 80 },
        servers: [{ name: 'x', address: '1.2.3.4:5;' }],
      }),
    ).toThrow(/not a host:port address/);
  });
});
