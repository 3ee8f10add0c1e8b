import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDto } from '../api/index.js';
import { EVENTS_PATH, NODE_PING_PATH } from '../api/index.js';
import { initNode } from '../cluster/init-node.js';
import { NodeRuntime } from '../node/node-runtime.js';
import { createTestDatabase } from '../test-support/test-database.js';
import { buildServer } from './server.js';

// Property-based fuzzing of every JSON route: path parameters, query and body from hostile generators
// (wrong types, huge and odd strings, NUL bytes, lone surrogates, bad percent-encoding, deep nesting,
// prototype-pollution keys, other content types), sent as an administrator. The routes come from the
// server's own registration, so a new route is fuzzed without touching this file. Never a 500, never a
// hang, and every 4xx says what was wrong (a 400 of validation names each field in `issues`).
// The node is checked in but not started: nothing it is given runs (a fuzzed script must never run).

/** Streams never end on their own: the event stream is left out (its cursor has its own tests). */
const STREAMING = new Set([EVENTS_PATH]);
const RUNS_PER_ROUTE = Number(process.env.FLOTILLA_FUZZ_RUNS ?? 30);
const REQUEST_TIMEOUT_MS = 5000;

/** Field names the routes read, so generated bodies and queries hit real fields with wrong values. */
const KNOWN_KEYS = [
  'kind',
  'args',
  'description',
  'state',
  'node',
  'limit',
  'follow',
  'drain',
  'taskCap',
  'paused',
  'name',
  'username',
  'password',
  'role',
  'roles',
  'disabled',
  'id',
  'projectId',
  'environmentId',
  'releaseId',
  'variableId',
  'version',
  'packages',
  'notes',
  'value',
  'sensitive',
  'host',
  'port',
  'passphrase',
  'body',
  'action',
  'actor',
  'next',
  'settings',
  'steps',
  'script',
  'sleepMs',
  'maintenance',
  'reason',
  'sortOrder',
  'auth',
  'hostKey',
  'user',
  'keepReleasesPerProject',
  'taskLogDays',
  '_csrf',
];
const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'];

const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '\uFEFF',
    '../../../../etc/passwd',
    "'; drop table tasks; --",
    '%00',
    '%',
    '%ZZ',
    '%E0%A4%A',
    '🚀',
    'Ω≈ç√∫',
    '1e309',
    '-1',
    '0x10',
    'NaN',
    'true',
    'null',
    '{}',
    '[]',
    ...POLLUTING_KEYS,
  ),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)),
);
const key = fc.oneof(fc.constantFrom(...KNOWN_KEYS, ...POLLUTING_KEYS), fc.string({ maxLength: 12 }));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
    oddString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));

interface Sent {
  payload?: string;
  contentType?: string;
}

const json = (data: unknown): Sent => ({ payload: JSON.stringify(data), contentType: 'application/json' });
const body: fc.Arbitrary<Sent> = fc.oneof(
  fc.constant<Sent>({}),
  fc.dictionary(key, value, { maxKeys: 6 }).map(json),
  value.map(json),
  fc.string({ maxLength: 60 }).map((text) => ({ payload: text, contentType: 'application/json' })),
  fc.constantFrom<Sent>(
    { payload: '', contentType: 'application/json' },
    {
      payload: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      contentType: 'application/json',
    },
    { payload: '{"a":1,"a":2}', contentType: 'application/json' },
    { payload: '{"kind":"noop"', contentType: 'application/json' },
    { payload: '\uFEFF{}', contentType: 'application/json' },
    { payload: '{}', contentType: 'application/json; charset=utf-16' },
    { payload: '{}', contentType: 'text/plain' },
    { payload: 'a=1&a=2&__proto__[x]=1', contentType: 'application/x-www-form-urlencoded' },
    { payload: '--x\r\n\r\n--x--', contentType: 'multipart/form-data; boundary=x' },
    { payload: '\u0000\u0001\u0002', contentType: 'application/octet-stream' },
  ),
  // Every field the routes read, holding a NUL (which PostgreSQL cannot store) or a wrong type.
  fc.constantFrom(...KNOWN_KEYS).map((name) => json({ [name]: 'a\u0000b' })),
  fc.tuple(fc.constantFrom(...KNOWN_KEYS), value).map(([name, given]) => json({ [name]: given })),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => ({
    payload: '['.repeat(depth) + ']'.repeat(depth),
    contentType: 'application/json',
  })),
  fc.integer({ min: 100, max: 5_000 }).map((depth) => ({
    payload: '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    contentType: 'application/json',
  })),
);
const query = fc.oneof(
  fc
    .dictionary(key, fc.oneof(oddString, fc.array(oddString, { maxLength: 3 })), { maxKeys: 4 })
    .map((entries) =>
      Object.entries(entries)
        .flatMap(([name, given]) =>
          (Array.isArray(given) ? given : [given]).map(
            (item) => `${percentEncode(name)}=${percentEncode(item)}`,
          ),
        )
        .join('&'),
    ),
  fc.constantFrom(
    '%ZZ=1',
    'a=%E0%A4%A',
    '__proto__[polluted]=1',
    'limit=1&limit=2',
    'a[b][c]=1',
    '&&&=',
    'x'.repeat(10_000),
  ),
);
/** A path parameter: anything, percent-encoded (a raw `/` or `?` would make another route). */
const param = oddString.map((text) => percentEncode(text) || '%20');

/** Every byte but the unreserved ones as %XX, of the text as UTF-8 (a lone surrogate becomes U+FFFD). */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

interface JsonRoute {
  method: string;
  url: string;
}

describe('every JSON route under hostile input', () => {
  const routes: JsonRoute[] = [];
  const errors: string[] = [];
  let app: FastifyInstance;
  let runtime: NodeRuntime;
  let apiKey = '';
  let dir = '';
  let dropDatabase: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    dir = await mkdtemp(path.join(tmpdir(), 'flotilla-fuzz-'));
    const home = path.join(dir, 'home');
    const init = await initNode({
      home,
      dbUrl: database.url,
      name: 'fuzz-node',
      sharedDir: path.join(dir, 'shared'),
      listen: { host: '127.0.0.1', port: 1 },
    });
    apiKey = init.apiKey!;
    // Error-level lines are kept: a 500 is reported with what the node logged about it.
    const errorLog = new Writable({
      write(chunk: Buffer, _encoding, done) {
        errors.push(chunk.toString());
        done();
      },
    });
    runtime = new NodeRuntime(init.config, home, pino({ level: 'error' }, errorLog));
    await runtime.checkCluster();
    app = buildServer(runtime, {
      onRoute: (route) => {
        for (const method of [route.method].flat()) {
          if (method !== 'HEAD' && route.url.startsWith('/api/') && !STREAMING.has(route.url))
            routes.push({ method, url: route.url });
        }
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await runtime?.stop(0);
    await dropDatabase();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'answers every route without a 500 or a hang, and says what was wrong in every 4xx',
    async () => {
      expect(routes.length).toBeGreaterThan(40);
      const failures: string[] = [];
      for (const route of routes) {
        const paramNames = route.url.match(/:[A-Za-z]+/g) ?? [];
        const details = await fc.check(
          fc.asyncProperty(
            fc.array(param, { minLength: paramNames.length, maxLength: paramNames.length }),
            query,
            body,
            async (params, search, sent) => {
              let url = route.url;
              paramNames.forEach((name, i) => (url = url.replace(name, params[i]!)));
              if (search) url += `?${search}`;
              const problem = await send(app, apiKey, route.method, url, sent, errors);
              if (problem) throw new Error(problem);
            },
          ),
          {
            numRuns: RUNS_PER_ROUTE,
            endOnFailure: true,
            // Always tried, whatever the seed: NUL in every path parameter, a query value and a field.
            examples: [[paramNames.map(() => '%00'), 'name=a%00b&limit=%00', json({ name: 'a\u0000b' })]],
          },
        );
        if (details.failed) {
          const why =
            details.errorInstance instanceof Error
              ? details.errorInstance.message
              : String(details.errorInstance);
          failures.push(`${route.method} ${route.url} (seed ${details.seed}): ${why}`);
        }
      }
      expect(failures).toEqual([]);
      // Prototype-pollution keys were sent everywhere: nothing reached Object.prototype.
      expect(Object.keys(Object.prototype)).toEqual([]);
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    },
    RUNS_PER_ROUTE * 3000,
  );
});

/** Sends one request; returns what is wrong with the answer, or null when it is a proper one. */
async function send(
  app: FastifyInstance,
  apiKey: string,
  method: string,
  url: string,
  sent: Sent,
  errors: string[],
): Promise<string | null> {
  const input = `${url.slice(0, 200)} ${sent.contentType ?? ''} ${(sent.payload ?? '').slice(0, 200)}`;
  const logged = errors.length;
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>(
    (resolve) => (timer = setTimeout(() => resolve('hang'), REQUEST_TIMEOUT_MS)),
  );
  const response = await Promise.race([
    app
      .inject({
        method: method as 'GET',
        url,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(sent.contentType ? { 'content-type': sent.contentType } : {}),
        },
        ...(sent.payload !== undefined ? { payload: sent.payload } : {}),
      })
      .catch((error: Error) => error),
    hang,
  ]);
  clearTimeout(timer);
  if (response === 'hang') return `no answer within ${REQUEST_TIMEOUT_MS} ms for ${input}`;
  if (response instanceof Error) return `the request broke (${response.message}) for ${input}`;
  const status = response.statusCode;
  // The ping of a node that is checked in but not started answers 503 `starting`: that is its answer.
  if (status === 503 && url.startsWith(NODE_PING_PATH)) return null;
  if (status >= 500)
    return `${status} for ${input}: ${response.body.slice(0, 200)} ${errors.slice(logged).join(' ').slice(0, 600)}`;
  if (status < 400) return null;
  const isJson = String(response.headers['content-type'] ?? '').includes('json');
  const answer = isJson ? (JSON.parse(response.body) as Partial<ErrorDto>) : null;
  if (typeof answer?.error !== 'string' || answer.error.trim().length < 10)
    return `${status} without a message for ${input}: ${response.body.slice(0, 200)}`;
  if (status === 400) {
    const { issues } = answer;
    if (issues && !issues.every((issue) => issue.path && issue.message))
      return `400 with an issue that names no field for ${input}: ${response.body.slice(0, 300)}`;
    if (/^Invalid /.test(answer.error) && !issues?.length)
      return `400 of validation without issues for ${input}: ${response.body.slice(0, 300)}`;
  }
  return null;
}
