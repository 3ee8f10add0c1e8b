import { z } from 'zod';
import type { StepDto } from '../api/index.js';
import { packageIdSchema } from '../packages/package-names.js';

const stepName = z.string().trim().min(1, 'name the step').max(100);
const roles = z.array(z.string().trim().min(1).max(50)).max(20).optional();
const shell = z.enum(['bash', 'powershell']).default('bash');
const script = z.string().min(1, 'script must not be empty').max(100_000);

const scriptStep = z
  .object({
    type: z.literal('script'),
    name: stepName,
    runOn: z.enum(['node', 'targets']).default('targets'),
    targetRoles: roles,
    shell,
    script,
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .strict();

const deployPackageStep = z
  .object({
    type: z.literal('deploy-package'),
    name: stepName,
    packageId: packageIdSchema,
    targetRoles: roles,
    shell,
    preDeployScript: script.optional(),
    postDeployScript: script.optional(),
  })
  .strict();

const httpCheckStep = z
  .object({
    type: z.literal('http-check'),
    name: stepName,
    url: z.string().regex(/^https?:\/\/\S+$/, 'use an http:// or https:// URL'),
    expectedStatus: z.number().int().min(100).max(599).default(200),
    retries: z.number().int().min(0).max(100).default(3),
    retryDelaySeconds: z.number().min(0).max(600).default(2),
    timeoutSeconds: z.number().min(1).max(600).default(10),
  })
  .strict();

export const stepSchema: z.ZodType<StepDto, unknown> = z.discriminatedUnion('type', [
  scriptStep,
  deployPackageStep,
  httpCheckStep,
]);

export const processSchema = z
  .array(stepSchema)
  .max(100, 'at most 100 steps')
  .refine((steps) => new Set(steps.map((step) => step.name)).size === steps.length, {
    message: 'step names must be unique within a process',
  });
