export type Role = 'administrator' | 'deployer' | 'viewer';
export const ROLES: readonly Role[] = ['viewer', 'deployer', 'administrator'];

/** Each role can do everything the roles before it can. */
export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}
