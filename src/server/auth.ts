// Tokens, sessions and roles. A token is shown once when created; the database keeps only its
// sha256. Requests authenticate with "Authorization: Bearer <token>" or the HttpOnly session cookie
// the web app gets from POST /api/session: the cookie carries a session id of its own (never the
// token), kept server-side as a hash, so sign-out and token revocation end it at once.
// Roles are ordered: each may do what the ones below it may.
//   viewer     — read everything: library, models, shots, reviews, jobs, files
//   artist     — + upload assets, write notes, paint refine requests, start renders, cancel own jobs
//   supervisor — + approve / needs-work verdicts, start training, cancel any job, manage tokens
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './db.js';
import { nowIso } from '../store/time.js';

export const ROLES = ['viewer', 'artist', 'supervisor'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal { tokenId: number; name: string; role: Role; /** set when signed in by cookie */ sessionId?: number }

/** "a viewer", "an artist": roles in messages. */
export const withArticle = (word: string) => `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;

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
  await db.updateTable('server_sessions').set({ revoked_at: nowIso() }).where('token_id', '=', id).where('revoked_at', 'is', null).execute();
  return Number(r.numUpdatedRows) > 0;
}

export async function authenticate(db: Kysely<ServerDatabase>, token: string | undefined): Promise<Principal | null> {
  if (!token || token.length > 200 || !token.startsWith('atl_')) return null;
  const row = await db.selectFrom('server_tokens').select(['id', 'name', 'role']).where('token_hash', '=', hashToken(token)).where('revoked_at', 'is', null).executeTakeFirst();
  if (!row) return null;
  return { tokenId: row.id, name: row.name, role: parseRole(row.role) };
}

export const SESSION_COOKIE = 'atelier_session';
/** A session lasts a working week at most; signing in again starts a new one. */
export const SESSION_SECONDS = 7 * 86400;

export async function createSession(db: Kysely<ServerDatabase>, tokenId: number): Promise<string> {
  const value = 'ses_' + randomBytes(32).toString('base64url');
  const now = Date.now();
  await db.insertInto('server_sessions').values({
    session_hash: hashToken(value), token_id: tokenId, created_at: new Date(now).toISOString(), expires_at: new Date(now + SESSION_SECONDS * 1000).toISOString(), revoked_at: null,
  }).execute();
  return value;
}

/** The principal of a live session: not signed out, not expired, its token not revoked. */
export async function authenticateSession(db: Kysely<ServerDatabase>, value: string | undefined): Promise<Principal | null> {
  if (!value || value.length > 200 || !value.startsWith('ses_')) return null;
  const row = await db.selectFrom('server_sessions').innerJoin('server_tokens', 'server_tokens.id', 'server_sessions.token_id')
    .select(['server_sessions.id as sid', 'server_tokens.id as tid', 'server_tokens.name', 'server_tokens.role'])
    .where('server_sessions.session_hash', '=', hashToken(value)).where('server_sessions.revoked_at', 'is', null)
    .where('server_sessions.expires_at', '>', nowIso()).where('server_tokens.revoked_at', 'is', null).executeTakeFirst();
  if (!row) return null;
  return { tokenId: row.tid, name: row.name, role: parseRole(row.role), sessionId: row.sid };
}

export async function revokeSession(db: Kysely<ServerDatabase>, sessionId: number): Promise<void> {
  await db.updateTable('server_sessions').set({ revoked_at: nowIso() }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

/** A request's credential: the bearer token first, else the session cookie's value. */
export function requestCredential(headers: Record<string, string | string[] | undefined>): { token?: string; session?: string } {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return { token: auth.replace(/^Bearer\s+/i, '').trim() };
  const cookie = typeof headers.cookie === 'string' ? headers.cookie : '';
  for (const part of cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === SESSION_COOKIE) {
      try { return { session: decodeURIComponent(v.join('=')) }; } catch { return { session: '' }; }
    }
  }
  return {};
}

/** The session cookie: HttpOnly, SameSite=Strict, and Secure whenever the request came over TLS. */
export function sessionCookie(value: string, secure: boolean, maxAge = SESSION_SECONDS): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}
