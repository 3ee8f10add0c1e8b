import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../net/free-port.js';

const run = promisify(execFile);

export const SLAPD_SUFFIX = 'dc=flotilla,dc=test';
const ROOT_DN = `cn=admin,${SLAPD_SUFFIX}`;
const ROOT_PASSWORD = 'root-secret';
/** The service account Flotilla binds as to search (read access to everything but passwords). */
export const SLAPD_SERVICE = { dn: `cn=flotilla,ou=services,${SLAPD_SUFFIX}`, password: 'service-secret' };

/** A person in the test directory: uid, and the password `<uid>-directory-pw`. */
export function slapdUserDn(uid: string): string {
  return `uid=${uid},ou=people,${SLAPD_SUFFIX}`;
}
export function slapdGroupDn(cn: string): string {
  return `cn=${cn},ou=groups,${SLAPD_SUFFIX}`;
}
export function slapdPassword(uid: string): string {
  return `${uid}-directory-pw`;
}

export interface SlapdGroup {
  cn: string;
  /** uids of people, or `group:<cn>` for a nested group. */
  members: string[];
}

/**
 * A real OpenLDAP server for tests (Debian's slapd): its own folder, a slapd.conf with the mdb backend
 * and the memberof overlay, a self-signed certificate for LDAPS and StartTLS, on loopback ports. People
 * and the service account are loaded with slapadd before the start (fast); groups are added over LDAP
 * after it, so the memberof overlay writes memberOf on their members (slapadd would bypass it).
 * Runs in the foreground; `stop()` kills it by PID.
 */
export class SlapdHost {
  private stderr = '';
  private child: ChildProcess | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly tlsPort: number,
    /** The self-signed certificate (PEM) the server presents: the CA to trust. */
    readonly caCertificate: string,
  ) {}

  get url(): string {
    return `ldap://127.0.0.1:${this.port}`;
  }
  get tlsUrl(): string {
    return `ldaps://127.0.0.1:${this.tlsPort}`;
  }

  static async start(options: { people: string[]; groups: SlapdGroup[] }): Promise<SlapdHost> {
    const dir = await mkdtemp(path.join(tmpdir(), 'flotilla-slapd-'));
    await mkdir(path.join(dir, 'data'));
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]);
    await writeFile(path.join(dir, 'slapd.conf'), slapdConf(dir));
    await writeFile(path.join(dir, 'base.ldif'), baseLdif(options.people));
    await run('/usr/sbin/slapadd', ['-f', path.join(dir, 'slapd.conf'), '-l', path.join(dir, 'base.ldif')]);
    const host = new SlapdHost(
      dir,
      await findFreePort(0),
      await findFreePort(0),
      await readFile(path.join(dir, 'cert.pem'), 'utf8'),
    );
    await host.resume();
    await host.modify(options.groups.map(groupLdif).join('\n'), true);
    return host;
  }

  /** Starts slapd (again, after `pause()`), on the same ports and data. */
  async resume(): Promise<void> {
    const child = spawn(
      '/usr/sbin/slapd',
      [
        '-f',
        path.join(this.dir, 'slapd.conf'),
        '-h',
        `${this.url}/ ${this.tlsUrl}/`,
        // -d keeps it in the foreground (a level of 0 logs nothing but fatal errors to stderr).
        '-d',
        '0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await this.pause();
        throw new Error(`slapd did not start (exit ${child.exitCode}): ${this.stderr.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Kills slapd (SIGKILL, by PID) and waits until it is gone: the directory is unreachable. */
  async pause(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Applies LDIF changes as the directory's root (ldapmodify; `add` for plain entries). */
  async modify(ldif: string, add = false): Promise<void> {
    const file = path.join(this.dir, `change-${Date.now()}-${Math.random().toString(36).slice(2)}.ldif`);
    await writeFile(file, ldif);
    await run('ldapmodify', [
      ...(add ? ['-a'] : []),
      '-x',
      '-H',
      this.url,
      '-D',
      ROOT_DN,
      '-w',
      ROOT_PASSWORD,
      '-f',
      file,
    ]);
  }

  /** Takes a member (uid, or `group:<cn>`) out of a group. */
  removeMember(group: string, member: string): Promise<void> {
    return this.modify(
      `dn: ${slapdGroupDn(group)}\nchangetype: modify\ndelete: member\nmember: ${memberDn(member)}\n`,
    );
  }

  async stop(): Promise<void> {
    await this.pause();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function memberDn(member: string): string {
  return member.startsWith('group:') ? slapdGroupDn(member.slice('group:'.length)) : slapdUserDn(member);
}

function slapdConf(dir: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
TLSCertificateFile ${dir}/cert.pem
TLSCertificateKeyFile ${dir}/key.pem

database mdb
suffix "${SLAPD_SUFFIX}"
rootdn "${ROOT_DN}"
rootpw ${ROOT_PASSWORD}
directory ${dir}/data
maxsize 16777216
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint true
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
`;
}

function baseLdif(people: string[]): string {
  const entries = [
    `dn: ${SLAPD_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: flotilla\no: Flotilla test`,
    ...['people', 'groups', 'services'].map(
      (ou) => `dn: ou=${ou},${SLAPD_SUFFIX}\nobjectClass: organizationalUnit\nou: ${ou}`,
    ),
    `dn: ${SLAPD_SERVICE.dn}\nobjectClass: person\ncn: flotilla\nsn: service\nuserPassword: ${SLAPD_SERVICE.password}`,
    ...people.map(
      (uid) =>
        `dn: ${slapdUserDn(uid)}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: ${uid}\nsn: ${uid}\nuserPassword: ${slapdPassword(uid)}`,
    ),
  ];
  return entries.join('\n\n') + '\n';
}

function groupLdif(group: SlapdGroup): string {
  return [
    `dn: ${slapdGroupDn(group.cn)}`,
    'objectClass: groupOfNames',
    `cn: ${group.cn}`,
    ...group.members.map((member) => `member: ${memberDn(member)}`),
    '',
  ].join('\n');
}
