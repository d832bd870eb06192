// The audit log: who changed what, and every sign-in that failed. One row per change, written by
// the route that made it; supervisors read it at GET /api/audit.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { ServerDatabase } from './db.js';
import { nowIso } from '../store/time.js';

export interface AuditEntry { action: string; target: string; detail?: Record<string, unknown> }

export async function audit(db: Kysely<ServerDatabase>, req: FastifyRequest | null, e: AuditEntry & { actor?: string; role?: string }): Promise<void> {
  const p = req?.principal;
  await db.insertInto('server_audit').values({
    at: nowIso(), actor: e.actor ?? p?.name ?? '-', role: e.role ?? p?.role ?? '-', action: e.action, target: e.target,
    detail: JSON.stringify(e.detail ?? {}), ip: req?.ip ?? 'cli',
  }).execute();
}

export function auditView(r: { id: number; at: string; actor: string; role: string; action: string; target: string; detail: string; ip: string }) {
  return { id: r.id, at: r.at, actor: r.actor, role: r.role, action: r.action, target: r.target, detail: JSON.parse(r.detail) as unknown, ip: r.ip };
}
