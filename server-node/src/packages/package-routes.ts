import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { audit } from '../audit/audit.js';
import { readClusterSettings } from '../config/cluster-settings.js';
import type { DomainContext } from '../domain/domain-context.js';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { packageLimits } from './package-limits.js';
import { packageIdProblem, versionProblem } from './package-names.js';
import { PackageRejected } from './package-rejected.js';
import {
  deletePackageRow,
  getPackage,
  insertPackage,
  listPackages,
  releasesUsingPackage,
} from './package-rows.js';
import { packageFile } from './package-store.js';
import { receivePackage } from './receive-package.js';

const ARCHIVE_TYPES = [
  'application/octet-stream',
  'application/zip',
  'application/gzip',
  'application/x-gzip',
];
/** Packages are large by nature; the stream goes to disk, so the only limit is the share's space. */
const MAX_PACKAGE_BYTES = 64 * 1024 ** 3;

const coordinates = z.object({ id: z.string(), version: z.string() });
const uploadQuery = z
  .object({ id: z.string().min(1, 'give the package id'), version: z.string().min(1, 'give the version') })
  .strict();
const listQuery = z.object({ packageId: z.string().min(1).optional() }).strict();

/** Validates id and version before a byte is stored; a name that could escape its folder is a 400. */
function checkNames(id: string, version: string): void {
  const issues = [
    ...(packageIdProblem(id) ? [{ path: 'id', message: packageIdProblem(id)! }] : []),
    ...(versionProblem(version) ? [{ path: 'version', message: versionProblem(version)! }] : []),
  ];
  if (issues.length > 0) {
    throw new HttpError(400, `Invalid package: ${issues.map((issue) => issue.message).join('; ')}`, issues);
  }
}

async function upload(domain: DomainContext, request: FastifyRequest, id: string, version: string) {
  checkNames(id, version);
  if (await getPackage(domain.db, id, version)) {
    throw new HttpError(
      409,
      `Package ${id} ${version} is already in the feed; upload a new version, or delete that one first.`,
    );
  }
  const body = request.body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') {
    throw new HttpError(
      415,
      `Send the archive as the raw request body with content-type ${ARCHIVE_TYPES.join(' or ')}.`,
    );
  }
  let received;
  try {
    received = await receivePackage(
      domain.sharedDir,
      body,
      packageLimits(await readClusterSettings(domain.db)),
    );
  } catch (error) {
    if (error instanceof PackageRejected) throw new HttpError(400, `Package rejected: ${error.message}.`);
    throw error;
  }
  // Row and file move together: a concurrent upload of the same version waits on the row's key and
  // then finds it taken, so it never removes the file this one put in place.
  const client = await domain.db.connect();
  const target = packageFile(domain.sharedDir, id, version, received.format);
  try {
    await client.query('begin');
    const row = await insertPackage(client, {
      packageId: id,
      version,
      format: received.format,
      sizeBytes: received.sizeBytes,
      sha256: received.sha256,
      uploadedBy: request.caller,
    });
    if (!row) {
      await client.query('rollback');
      throw new HttpError(
        409,
        `Package ${id} ${version} is already in the feed; upload a new version, or delete that one first.`,
      );
    }
    await mkdir(path.dirname(target), { recursive: true });
    await rename(received.file, target);
    await client.query('commit');
    return row;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    await rm(received.file, { force: true });
    throw error;
  } finally {
    client.release();
  }
}

export function packageRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  // The raw body stream goes straight to shared storage (see receivePackage).
  app.addContentTypeParser(ARCHIVE_TYPES, (_request, payload, done) => done(null, payload));

  app.get('/api/packages', { config: { role: 'viewer' } }, async (request) => {
    const { packageId } = parseOr400(listQuery, request.query, 'query');
    return listPackages(domain.db, packageId ?? null);
  });

  const uploadOptions = { config: { role: 'deployer' as const }, bodyLimit: MAX_PACKAGE_BYTES };
  app.put('/api/packages/:id/:version', uploadOptions, async (request, reply) => {
    const { id, version } = parseOr400(coordinates, request.params, 'path');
    const row = await upload(domain, request, id, version);
    audit(request, 'package.upload', `${id} ${version}`, { sha256: row.sha256, sizeBytes: row.sizeBytes });
    return reply.status(201).send(row);
  });
  // The same with id and version in the query, for clients that build paths naively.
  app.post('/api/packages', uploadOptions, async (request, reply) => {
    const { id, version } = parseOr400(uploadQuery, request.query, 'query');
    const row = await upload(domain, request, id, version);
    audit(request, 'package.upload', `${id} ${version}`, { sha256: row.sha256, sizeBytes: row.sizeBytes });
    return reply.status(201).send(row);
  });

  app.get('/api/packages/:id/:version', { config: { role: 'viewer' } }, async (request) => {
    const { id, version } = parseOr400(coordinates, request.params, 'path');
    checkNames(id, version);
    const row = await getPackage(domain.db, id, version);
    if (!row) throw new HttpError(404, `No package ${id} ${version} in the feed.`);
    return row;
  });

  app.get('/api/packages/:id/:version/download', { config: { role: 'viewer' } }, async (request, reply) => {
    const { id, version } = parseOr400(coordinates, request.params, 'path');
    checkNames(id, version);
    const row = await getPackage(domain.db, id, version);
    if (!row) throw new HttpError(404, `No package ${id} ${version} in the feed.`);
    const file = packageFile(domain.sharedDir, id, version, row.format);
    return reply
      .type(row.format === 'zip' ? 'application/zip' : 'application/gzip')
      .header('content-length', row.sizeBytes)
      .header('content-disposition', `attachment; filename="${id}.${version}.${row.format}"`)
      .header('x-checksum-sha256', row.sha256)
      .send(createReadStream(file));
  });

  app.delete('/api/packages/:id/:version', { config: { role: 'administrator' } }, async (request, reply) => {
    const { id, version } = parseOr400(coordinates, request.params, 'path');
    checkNames(id, version);
    const row = await getPackage(domain.db, id, version);
    if (!row) throw new HttpError(404, `No package ${id} ${version} in the feed.`);
    const users = await releasesUsingPackage(domain.db, id, version);
    if (users.length > 0) {
      throw new HttpError(
        409,
        `Package ${id} ${version} is used by ${users.map((u) => `${u.project} ${u.version}`).join(', ')}; delete those releases first (or let retention remove them).`,
      );
    }
    await deletePackageRow(domain.db, id, version);
    await rm(packageFile(domain.sharedDir, id, version, row.format), { force: true });
    audit(request, 'package.delete', `${id} ${version}`);
    return reply.status(204).send();
  });
}
