// Tokens and roles. A token is shown once when created; the database keeps only its sha256.
// Requests authenticate with "Authorization: Bearer <token>" or the HttpOnly session cookie the
// web app gets from POST /api/session. Roles are ordered: each may do what the ones below it may.
//   viewer     — read everything: library, models, shots, reviews, jobs, files
//   artist     — + upload assets, write notes, paint refine requests, start renders, cancel own jobs
//   supervisor — + approve / needs-work verdicts, start training, cancel any job, manage tokens
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './db.js';
import { nowIso } from '../store/time.js';

export const ROLES = ['viewer', 'artist', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal { tokenId: number; name: string; role: Role }

export function parseRole(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text)) throw new Error(`unknown role "${text}"; roles are: ${ROLES.join(', ')}`);
  return text as Role;
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export async function createToken(db: Kysely<ServerDatabase>, name: string, role: Role): Promise<{ id: number; token: string }> {
  if (!/^[\w.@ -]{1,64}$/.test(name)) throw new Error(`token name "${name}" must be 1-64 letters, digits, spaces or _ . @ -`);
  const token = 'atl_' + randomBytes(32).toString('base64url');
  const row = await db.insertInto('server_tokens').values({ name, role, token_hash: hashToken(token), created_at: nowIso(), revoked_at: null })
    .returning('id').executeTakeFirstOrThrow();
  return { id: row.id, token };
}

export async function listTokens(db: Kysely<ServerDatabase>) {
  return db.selectFrom('server_tokens').select(['id', 'name', 'role', 'created_at', 'revoked_at']).orderBy('id').execute();
}

export async function revokeToken(db: Kysely<ServerDatabase>, id: number): Promise<boolean> {
  const r = await db.updateTable('server_tokens').set({ revoked_at: nowIso() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function authenticate(db: Kysely<ServerDatabase>, token: string | undefined): Promise<Principal | null> {
  if (!token || token.length > 200 || !token.startsWith('atl_')) return null;
  const row = await db.selectFrom('server_tokens').select(['id', 'name', 'role']).where('token_hash', '=', hashToken(token)).where('revoked_at', 'is', null).executeTakeFirst();
  if (!row) return null;
  return { tokenId: row.id, name: row.name, role: parseRole(row.role) };
}

export const SESSION_COOKIE = 'atelier_session';

/** The token of a request: the bearer header first, then the session cookie. */
export function requestToken(headers: Record<string, string | string[] | undefined>): { token: string | undefined; viaCookie: boolean } {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return { token: auth.replace(/^Bearer\s+/i, '').trim(), viaCookie: false };
  const cookie = typeof headers.cookie === 'string' ? headers.cookie : '';
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) return { token: decodeURIComponent(v.join('=')), viaCookie: true };
  }
  return { token: undefined, viaCookie: false };
}
