import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { HttpError, parseOr400 } from '../http/http-error.js';
import type { RouteContext } from '../http/route-context.js';
import { getTask } from '../sql/task-rows.js';
import { ArtifactRefused, isArtifactName, listArtifacts, openArtifact } from './artifact-store.js';

const taskParams = z.object({ id: z.string().regex(/^\d{1,18}$/, 'task id must be a number') });
const artifactParams = taskParams.extend({
  name: z.string().refine(isArtifactName, "use a plain file name (letters, digits, '.', '_', '-')"),
});

export function artifactRoutes(app: FastifyInstance, { domain }: RouteContext): void {
  const taskOr404 = async (id: string) => {
    // Only whether it exists: the least role's view will do.
    if (!(await getTask(domain.db, id, 'viewer'))) throw new HttpError(404, `No task ${id}.`);
  };

  app.get('/api/tasks/:id/artifacts', { config: { role: 'viewer' } }, async (request) => {
    const { id } = parseOr400(taskParams, request.params, 'path');
    await taskOr404(id);
    return listArtifacts(domain.sharedDir, id);
  });

  app.get('/api/tasks/:id/artifacts/:name', { config: { role: 'viewer' } }, async (request, reply) => {
    const { id, name } = parseOr400(artifactParams, request.params, 'path');
    await taskOr404(id);
    const artifact = await openArtifact(domain.sharedDir, id, name).catch((error: unknown) => {
      if (error instanceof ArtifactRefused) throw new HttpError(403, `${error.message}.`);
      throw error;
    });
    if (!artifact) throw new HttpError(404, `Task ${id} has no artifact '${name}'.`);
    return reply
      .type('application/octet-stream')
      .header('content-length', artifact.sizeBytes)
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(artifact.stream);
  });
}
