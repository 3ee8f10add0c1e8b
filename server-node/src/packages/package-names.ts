import { z } from 'zod';

// Package ids and versions become folder and file names in shared storage and on targets, so only
// a plain name can be one: letters, digits, '.', '_', '-' and (versions) '+'; no '..', no slash,
// no leading dot. Anything else is rejected before a byte is stored.
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SAFE_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

export function packageIdProblem(id: string): string | null {
  if (!SAFE.test(id) || id.includes('..')) {
    return `package id '${id}' is not allowed: use letters, digits, '.', '_' and '-' (up to 100), starting with a letter or digit, with no '..' and no slashes`;
  }
  return null;
}

export function versionProblem(version: string): string | null {
  if (!SAFE_VERSION.test(version) || version.includes('..')) {
    return `version '${version}' is not allowed: use letters, digits, '.', '_', '+' and '-' (up to 64), starting with a letter or digit, with no '..' and no slashes`;
  }
  return null;
}

export const packageIdSchema = z.string().superRefine((id, ctx) => {
  const problem = packageIdProblem(id);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const versionSchema = z.string().superRefine((version, ctx) => {
  const problem = versionProblem(version);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
