import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '@flotilla/server-node/net/free-port';
import { SshdHost, sshdSpec } from '../test-support/sshd-host.js';
import { probeHostKey } from './probe-host-key.js';
import { SshConnection } from './ssh-connection.js';
import {
  AuthenticationFailedError,
  HostKeyChangedError,
  HostKeyNotConfirmedError,
  HostUnreachableError,
  InvalidPrivateKeyError,
  SshTimeoutError,
} from './ssh-errors.js';

const run = promisify(execFile);

describe('the SSH layer against a real sshd', () => {
  let sshd: SshdHost;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    sshd = await SshdHost.start({ address: '127.0.0.2' });
    cleanups.push(() => sshd.stop());
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  const connect = async (spec = sshdSpec(sshd), hostKey: string | null = sshd.hostKeyFingerprint) => {
    const connection = await SshConnection.connect(spec, { hostKey, timeoutMs: 5000 });
    cleanups.push(() => connection.close());
    return connection;
  };

  it('reads the host key without signing in, as ssh-keygen prints it', async () => {
    const key = await probeHostKey({ host: sshd.address, port: sshd.port });
    expect(key).toEqual({ fingerprint: sshd.hostKeyFingerprint, type: 'ssh-ed25519' });
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('runs commands on a host whose key matches the pin', async () => {
    const ssh = await connect();
    expect(ssh.hostKey.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(await ssh.exec('echo out; echo err >&2; exit 3')).toEqual({
      code: 3,
      signal: null,
      stdout: 'out\n',
      stderr: 'err\n',
    });
    expect((await ssh.exec('tr a-z A-Z', { stdin: 'quiet please\n' })).stdout).toBe('QUIET PLEASE\n');
    expect((await ssh.exec(`printf '%s' ${"'it'\\''s'"}`)).stdout).toBe("it's");
  });

  it('streams a command: output arrives while it runs', async () => {
    const ssh = await connect();
    const child = await ssh.spawn('cat');
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    child.stdin.write('first\n');
    await expect.poll(() => seen, { timeout: 10_000 }).toBe('first\n');
    child.stdin.end('second\n');
    expect(await child.exit).toEqual({ code: 0, signal: null });
    expect(seen).toBe('first\nsecond\n');
  });

  it('kills a command that outlives its timeout', async () => {
    const ssh = await connect();
    await expect(ssh.exec('sleep 30', { timeoutMs: 300 })).rejects.toThrow(SshTimeoutError);
    expect((await ssh.exec('echo still usable')).stdout).toBe('still usable\n');
  });

  it('uploads a file over SFTP with progress', async () => {
    const ssh = await connect();
    const local = path.join(sshd.dir, 'package.bin');
    const remote = path.join(sshd.dir, 'uploaded.bin');
    const content = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(local, content);
    const progress: number[] = [];
    await ssh.upload(local, remote, { mode: 0o640, onProgress: (sent) => progress.push(sent) });
    expect((await readFile(remote)).equals(content)).toBe(true);
    expect(progress.at(-1)).toBe(content.length);
    expect((await ssh.exec(`stat -c %a ${remote}`)).stdout.trim()).toBe('640');
  });

  it('signs in through an SSH agent', async () => {
    const socket = path.join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(async () => {
      const exited = once(agent, 'exit');
      agent.kill('SIGTERM');
      await exited;
    });
    // ssh-agent prints its environment once the socket is bound.
    await once(agent.stdout, 'data');
    await run('ssh-add', ['-q', sshd.clientKeyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    const ssh = await connect(sshdSpec(sshd, { kind: 'agent', socket }));
    expect((await ssh.exec('whoami')).stdout).toBe('root\n');
  });

  it('does not sign in to a host whose key was never confirmed, and says which key it saw', async () => {
    const attempt = SshConnection.connect(sshdSpec(sshd), { hostKey: null });
    await expect(attempt).rejects.toThrow(HostKeyNotConfirmedError);
    await expect(attempt).rejects.toMatchObject({
      presented: sshd.hostKeyFingerprint,
      keyType: 'ssh-ed25519',
    });
  });

  it('refuses a host whose key differs from the pin, naming both fingerprints', async () => {
    const pinned = 'SHA256:' + randomBytes(32).toString('base64').replace(/=+$/, '');
    const attempt = SshConnection.connect(sshdSpec(sshd), { hostKey: pinned });
    await expect(attempt).rejects.toThrow(HostKeyChangedError);
    await expect(attempt).rejects.toThrow(pinned);
    await expect(attempt).rejects.toThrow(sshd.hostKeyFingerprint);
  });

  it('reports a wrong password as an authentication failure, without the password', async () => {
    const password = 'not-the-password-' + randomBytes(4).toString('hex');
    const attempt = SshConnection.connect(sshdSpec(sshd, { kind: 'password', password }), {
      hostKey: sshd.hostKeyFingerprint,
    });
    await expect(attempt).rejects.toThrow(AuthenticationFailedError);
    await expect(attempt).rejects.toThrow(
      /root@127\.0\.0\.2:\d+ failed \(password\): check the user name and password/,
    );
    await expect(attempt).rejects.not.toThrow(password);
  });

  it('reports a key the host does not accept, and a key that cannot be read', async () => {
    const other = path.join(sshd.dir, 'other_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', other]);
    const privateKey = await readFile(other, 'utf8');
    const pin = { hostKey: sshd.hostKeyFingerprint };
    await expect(
      SshConnection.connect(sshdSpec(sshd, { kind: 'key', privateKey, passphrase: 'secret' }), pin),
    ).rejects.toThrow(AuthenticationFailedError);
    await expect(
      SshConnection.connect(sshdSpec(sshd, { kind: 'key', privateKey, passphrase: 'wrong' }), pin),
    ).rejects.toThrow(InvalidPrivateKeyError);
  });

  it('tells an unreachable port from a host that never answers', async () => {
    const closedPort = await findFreePort(0, '127.0.0.2');
    await expect(
      SshConnection.connect({ ...sshdSpec(sshd), port: closedPort }, { hostKey: sshd.hostKeyFingerprint }),
    ).rejects.toThrow(HostUnreachableError);

    // A listener that accepts and never speaks SSH.
    const silent = net.createServer(() => undefined);
    silent.listen(0, '127.0.0.2');
    await once(silent, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    silent.on('connection', (socket) => cleanups.push(() => void socket.destroy()));
    const { port } = silent.address() as net.AddressInfo;
    await expect(
      SshConnection.connect(
        { ...sshdSpec(sshd), port },
        { hostKey: sshd.hostKeyFingerprint, timeoutMs: 400 },
      ),
    ).rejects.toThrow(SshTimeoutError);
  });

  it('refuses the same address once it presents another host key', async () => {
    const { address, port, hostKeyFingerprint: before } = sshd;
    await sshd.stop();
    sshd = await SshdHost.start({ address, port });
    expect(sshd.hostKeyFingerprint).not.toBe(before);
    const attempt = SshConnection.connect(sshdSpec(sshd), { hostKey: before });
    await expect(attempt).rejects.toThrow(HostKeyChangedError);
    await expect(attempt).rejects.toMatchObject({ expected: before, presented: sshd.hostKeyFingerprint });
    expect((await probeHostKey({ host: address, port })).fingerprint).toBe(sshd.hostKeyFingerprint);
  });
});
