// The server's own tables in the production database (tokens, sessions, review notes, refine
// requests, the audit log, the in-process queue's jobs).
// They are migrated by the server with a migration table of its own, so the workspace's
// migrations (src/store/migrations.ts) and these never interfere.
import { Migrator, type Kysely, type Migration, type Generated } from 'kysely';
import type { Production } from '../store/index.js';
import type { Database } from '../store/schema.js';
import type { DialectName } from '../store/db.js';
import { withId, withMigrationLock, migrationError } from '../store/migrations.js';

export interface ServerTokensTable {
  id: Generated<number>;
  name: string;
  role: string;                 // viewer | artist | supervisor
  token_hash: string;           // sha256 hex of the token; the token itself is never stored
  created_at: string;
  revoked_at: string | null;
}

export interface ReviewNotesTable {
  id: Generated<number>;
  shot: string;
  version_id: number;           // a shot version: shot_versions.id in the production (store/shot-versions.ts)
  frame: number | null;         // null: the whole version
  verdict: string | null;       // approved | needs_work | null (a plain note)
  note: string;
  author: string;
  role: string;
  created_at: string;
  drawing: string | null;       // JSON vector annotation on the note's frame (annotations.ts), or null
}

export interface RefineRequestsTable {
  id: Generated<number>;
  shot: string;
  version_id: number;
  frame: number;                // the frame the mask was painted on
  frame_start: number;
  frame_end: number;
  mask_hash: string;            // PNG in the content store
  params: string;               // JSON: { feather, note }
  status: string;               // pending | running | done | failed
  job_id: string | null;
  result_version_id: number | null;
  error: string | null;
  author: string;
  created_at: string;
  updated_at: string;
  mask_bytes: number;           // size of the stored mask PNG (counts against its author's quota)
}

export interface ServerSessionsTable {
  id: Generated<number>;
  session_hash: string;         // sha256 hex of the cookie's value; the value itself is never stored
  token_id: number;             // the token that signed in (revoking it ends its sessions)
  created_at: string;
  expires_at: string;
  revoked_at: string | null;    // set by sign-out
}

export interface ServerAuditTable {
  id: Generated<number>;
  at: string;
  actor: string;                // token name (or "-" when unknown, e.g. a failed sign-in)
  role: string;
  action: string;               // sign-in, sign-in-failed, sign-out, note, verdict, rights, refine, upload, job, cancel, token-create, token-revoke
  target: string;               // what it acted on: "shot sh010 version 12", "asset 5", "token 3"
  detail: string;               // JSON
  ip: string;
}

export interface ReviewPlaylistsTable {
  id: Generated<number>;
  name: string;
  items: string;                // JSON: [{ shot, versionId }] in playing order (versionId null: the shot's newest)
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface ServerJobsTable {
  id: string;                   // the in-process queue's job id (a farm's jobs live in its Redis instead)
  kind: string;
  title: string;
  status: string;               // queued | running | done | failed | cancelled (JobStatus)
  progress: number | null;
  message: string;
  error: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  owner: string;                // host:pid of the server that runs it
  seen_at: string;              // its owner's last sign of life while the job was queued or running
  version_id: number | null;    // the shot version the job writes (renders, refines), once claimed
  version_frames: number | null; // frames that version gets when the job finishes
  input: string | null;         // JSON: the job's input, to start it again (null: recorded before 0005)
  run_dir: string | null;       // a training's run folder, once made: started again, it resumes from its checkpoint
}

export interface ServerDatabase extends Database {
  server_jobs: ServerJobsTable;
  server_tokens: ServerTokensTable;
  review_notes: ReviewNotesTable;
  refine_requests: RefineRequestsTable;
  server_sessions: ServerSessionsTable;
  server_audit: ServerAuditTable;
  review_playlists: ReviewPlaylistsTable;
}

type AnyDb = Kysely<any>;

function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001_server': {
      async up(db: AnyDb) {
        await withId(db.schema.createTable('server_tokens'), dialect)
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text').execute();
        await withId(db.schema.createTable('review_notes'), dialect)
          .addColumn('shot', 'text', (c) => c.notNull())
          .addColumn('version_id', 'integer', (c) => c.notNull())
          .addColumn('frame', 'integer')
          .addColumn('verdict', 'text')
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull()).execute();
        await db.schema.createIndex('review_notes_version').on('review_notes').columns(['shot', 'version_id']).execute();
        await withId(db.schema.createTable('refine_requests'), dialect)
          .addColumn('shot', 'text', (c) => c.notNull())
          .addColumn('version_id', 'integer', (c) => c.notNull())
          .addColumn('frame', 'integer', (c) => c.notNull())
          .addColumn('frame_start', 'integer', (c) => c.notNull())
          .addColumn('frame_end', 'integer', (c) => c.notNull())
          .addColumn('mask_hash', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('job_id', 'text')
          .addColumn('result_version_id', 'integer')
          .addColumn('error', 'text')
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
      },
    },
    // Server-side sessions (sign-out revokes them), the audit log, and mask sizes for the quota.
    '0002_sessions_audit_quota': {
      async up(db: AnyDb) {
        await withId(db.schema.createTable('server_sessions'), dialect)
          .addColumn('session_hash', 'text', (c) => c.notNull().unique())
          .addColumn('token_id', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text').execute();
        await withId(db.schema.createTable('server_audit'), dialect)
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .addColumn('ip', 'text', (c) => c.notNull()).execute();
        await db.schema.createIndex('server_audit_at').on('server_audit').columns(['at']).execute();
        await db.schema.alterTable('refine_requests').addColumn('mask_bytes', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      },
    },
    // Drawn annotations on notes (vector JSON) and playlists (review sessions of several shots).
    '0003_annotations_playlists': {
      async up(db: AnyDb) {
        await db.schema.alterTable('review_notes').addColumn('drawing', 'text').execute();
        await withId(db.schema.createTable('review_playlists'), dialect)
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('items', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull()).execute();
      },
    },
    // The in-process queue's jobs, so that a restart knows what was queued or running (job-log.ts).
    '0004_jobs': {
      async up(db: AnyDb) {
        await db.schema.createTable('server_jobs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('progress', 'real')
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('finished_at', 'text')
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('seen_at', 'text', (c) => c.notNull())
          .addColumn('version_id', 'integer')
          .addColumn('version_frames', 'integer').execute();
        await db.schema.createIndex('server_jobs_status').on('server_jobs').columns(['status']).execute();
        await db.schema.createIndex('server_jobs_version').on('server_jobs').columns(['version_id']).execute();
      },
    },
    // A job's input and a training's run folder, so that one a restart interrupted can be started again (POST /api/jobs/:id/again).
    '0005_job_input': {
      async up(db: AnyDb) {
        await db.schema.alterTable('server_jobs').addColumn('input', 'text').execute();
        await db.schema.alterTable('server_jobs').addColumn('run_dir', 'text').execute();
      },
    },
  };
}

/** Brings the server tables up to date; returns the typed database handle. */
export async function migrateServer(prod: Production): Promise<Kysely<ServerDatabase>> {
  const db = prod.db as unknown as Kysely<ServerDatabase>;
  const migrator = new Migrator({
    db, provider: { getMigrations: async () => migrations(prod.dialect) },
    migrationTableName: 'atelier_server_migration', migrationLockTableName: 'atelier_server_migration_lock',
  });
  // Two servers (or a server and a farm worker) starting at once on a shared PostgreSQL workspace take turns.
  const { error } = await withMigrationLock(db, prod.dialect, 'server', () => migrator.migrateToLatest());
  if (error) throw migrationError('server database', error);
  return db;
}
