import type { Role } from '../api/roles.js';

/** Who is calling, as the auth hook established it. */
export interface Principal {
  userId: string | null;
  username: string;
  role: Role;
  via: 'session' | 'api-key';
  sessionId: string | null;
  csrfToken: string | null;
}

/** How a principal appears in events and the audit log. */
export function actorName(principal: Principal, keyName?: string): string {
  if (principal.via === 'api-key' && keyName) return `${principal.username} (api key ${keyName})`;
  return principal.username;
}
