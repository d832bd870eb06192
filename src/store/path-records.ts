// The upgrade to production-relative paths (migration 0004): records written before it hold
// absolute paths; those inside the production's folder become relative to it. Paths outside stay
// absolute. On a PostgreSQL workspace shared by machines that mount it at different paths, the
// machine that upgrades it rewrites the records under its own mount point.
import { sql, type Kysely } from 'kysely';
import { productionRoots } from './production-paths.js';

// The path columns as they were when 0004 was released (tables added later did not exist yet).
const COLUMNS_0004: Readonly<Record<string, readonly string[]>> = { renders: ['path'], assets: ['source_path'], shots: ['source'] };

/** Rewrites absolute paths inside dir to the relative form in every path column; returns the count. */
export async function relativizeRecords(db: Kysely<any>, dir: string): Promise<number> {
  let changed = 0;
  for (const root of productionRoots(dir)) {
    if (root === '/') continue; // every absolute path would be "inside"
    const prefix = root + '/';
    const n = [...prefix].length; // substr counts characters on both dialects
    for (const [table, cols] of Object.entries(COLUMNS_0004)) for (const col of cols) {
      const c = sql.ref(col);
      const inside = await db.updateTable(table).set({ [col]: sql`substr(${c}, ${n + 1})` })
        .where(sql`substr(${c}, 1, ${n})`, '=', prefix).executeTakeFirst();
      const self = await db.updateTable(table).set({ [col]: '.' }).where(col, '=', root).executeTakeFirst();
      changed += Number(inside.numUpdatedRows) + Number(self.numUpdatedRows);
    }
  }
  return changed;
}
