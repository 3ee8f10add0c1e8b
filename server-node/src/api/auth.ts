// The paths of the sign-in routes (server-node/src/auth/auth-routes.ts) that the console uses.

/** GET → MeDto: who the caller is, and their role. */
export const ME_PATH = '/api/auth/me';
