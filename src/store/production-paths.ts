// Paths in records are relative to the production, so a production can be copied, moved or mounted
// at another path on each farm machine. The store writes a path inside the production relative to
// it and resolves it against the production's current folder on read; a path outside stays
// absolute. ProductionPaths does this for every query on the production's database (a Kysely
// plugin), so code that reads `renders.path` directly still gets an absolute path, and a lookup by
// absolute path (`where('path', '=', abs)`) still finds the record.
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  OperationNodeTransformer, ValueNode, PrimitiveValueListNode, ValueListNode, ValuesNode,
  type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type UnknownRow,
  type RootOperationNode, type QueryId, type OperationNode, type SelectQueryNode, type InsertQueryNode, type UpdateQueryNode,
  type DeleteQueryNode, type BinaryOperationNode, type ColumnUpdateNode, type ReferenceNode, type SelectionNode, type ReturningNode,
} from 'kysely';

/** The columns of the schema that hold a file path. */
export const PATH_COLUMNS: Readonly<Record<string, readonly string[]>> = { renders: ['path'], assets: ['source_path'], shots: ['source'], shot_versions: ['folder'] };
// Other tables with a column of the same name (assets.source is a rights field): an unqualified
// reference in a join with one of them is left alone.
const SAME_NAME: Readonly<Record<string, readonly string[]>> = { source: ['assets'] };

/** The folders a path inside the production may start with: as given, and with symlinks resolved. */
export function productionRoots(dir: string): string[] {
  const roots = [resolve(dir)];
  try { const real = realpathSync(dir); if (real !== roots[0]) roots.push(real); } catch { /* not there (yet) */ }
  return roots;
}

/** The form a path is recorded in: relative to the production (with /) when inside it, else
 *  absolute. A relative path is taken as already relative to the production. */
export function storedPath(roots: string | readonly string[], path: string): string {
  const all = typeof roots === 'string' ? [resolve(roots)] : roots;
  const abs = resolve(all[0]!, path);
  for (const root of all) {
    const rel = relative(root, abs);
    if (rel === '') return '.';
    if (rel !== '..' && !rel.startsWith('..' + sep) && !isAbsolute(rel)) return rel.split(sep).join('/');
  }
  return abs;
}

/** A recorded path as an absolute path in the production's current folder. */
export function resolvedPath(dir: string, stored: string): string {
  return isAbsolute(stored) ? stored : resolve(dir, stored);
}

const COMPARISONS = new Set(['=', '==', '!=', '<>', 'in', 'not in', 'is', 'is not']);
type Scope = Map<string, string>; // name or alias in the query -> table

const nameOf = (n: OperationNode | undefined): string | undefined => {
  if (!n) return undefined;
  if (n.kind === 'TableNode') return (n as unknown as { table: { identifier: { name: string } } }).table.identifier.name;
  if (n.kind === 'AliasNode') return nameOf((n as unknown as { node: OperationNode }).node);
  return undefined;
};
const aliasOf = (n: OperationNode): string | undefined =>
  n.kind === 'AliasNode' ? ((n as unknown as { alias: { name?: string } }).alias.name) : nameOf(n);

/** Rewrites one query: path values written or compared into the stored form; notes which result
 *  columns hold a path. */
class PathQuery extends OperationNodeTransformer {
  readonly outputs = new Set<string>();
  #scopes: Scope[] = [];
  constructor(private readonly roots: readonly string[]) { super(); }

  #enter(tables: (OperationNode | undefined)[]): void {
    const scope: Scope = new Map();
    for (const t of tables) { const table = nameOf(t), alias = t && aliasOf(t); if (table && alias) scope.set(alias, table); }
    this.#scopes.push(scope);
  }
  get #scope(): Scope { return this.#scopes[this.#scopes.length - 1] ?? new Map(); }

  /** The table whose path column a reference names, or null. */
  #pathTable(ref: OperationNode): string | null {
    if (ref.kind !== 'ReferenceNode') return null;
    const r = ref as ReferenceNode;
    if (r.column.kind !== 'ColumnNode') return null;
    const col = r.column.column.name;
    const tables = [...this.#scope.values()];
    const table = r.table ? this.#scope.get(nameOf(r.table) ?? '') : tables.find((t) => PATH_COLUMNS[t]?.includes(col));
    if (!table || !PATH_COLUMNS[table]?.includes(col)) return null;
    if (!r.table && tables.some((t) => SAME_NAME[col]?.includes(t))) return null;
    return table;
  }

  #store(v: unknown): unknown { return typeof v === 'string' ? storedPath(this.roots, v) : v; }
  #storeNode(n: OperationNode): OperationNode {
    if (n.kind === 'ValueNode') return ValueNode.create(this.#store((n as ValueNode).value));
    if (n.kind === 'PrimitiveValueListNode') return PrimitiveValueListNode.create((n as PrimitiveValueListNode).values.map((v) => this.#store(v)));
    if (n.kind === 'ValueListNode') return ValueListNode.create((n as ValueListNode).values.map((v) => this.#storeNode(v)));
    return n;
  }

  /** Result columns (of the outermost query) that hold a path. */
  #noteOutputs(selections: readonly SelectionNode[] | undefined): void {
    if (this.#scopes.length !== 1) return;
    for (const { selection: s } of selections ?? []) {
      if (s.kind === 'SelectAllNode') {
        if (this.#scope.size === 1) for (const t of this.#scope.values()) for (const c of PATH_COLUMNS[t] ?? []) this.outputs.add(c);
      } else if (s.kind === 'ReferenceNode' && (s as ReferenceNode).column.kind === 'SelectAllNode') {
        for (const c of PATH_COLUMNS[this.#scope.get(nameOf((s as ReferenceNode).table) ?? '') ?? ''] ?? []) this.outputs.add(c);
      } else if (s.kind === 'ReferenceNode' && this.#pathTable(s)) {
        this.outputs.add(((s as ReferenceNode).column as { column: { name: string } }).column.name);
      } else if (s.kind === 'AliasNode') {
        const a = s as unknown as { node: OperationNode; alias: { name?: string } };
        if (this.#pathTable(a.node) && a.alias.name) this.outputs.add(a.alias.name);
      }
    }
  }
  #returning(r: ReturningNode | undefined): void { this.#noteOutputs(r?.selections); }

  protected override transformSelectQuery(node: SelectQueryNode, queryId?: QueryId): SelectQueryNode {
    this.#enter([...(node.from?.froms ?? []), ...(node.joins ?? []).map((j) => j.table)]);
    try { this.#noteOutputs(node.selections); return super.transformSelectQuery(node, queryId); } finally { this.#scopes.pop(); }
  }

  protected override transformInsertQuery(node: InsertQueryNode, queryId?: QueryId): InsertQueryNode {
    this.#enter([node.into]);
    try {
      this.#returning(node.returning);
      const out = super.transformInsertQuery(node, queryId);
      const cols = PATH_COLUMNS[nameOf(node.into) ?? ''] ?? [];
      const at = (node.columns ?? []).map((c, i) => (cols.includes(c.column.name) ? i : -1)).filter((i) => i >= 0);
      if (!at.length || out.values?.kind !== 'ValuesNode') return out;
      const rows = (out.values as ValuesNode).values.map((row) => row.kind === 'PrimitiveValueListNode'
        ? PrimitiveValueListNode.create(row.values.map((v, i) => (at.includes(i) ? this.#store(v) : v)))
        : ValueListNode.create(row.values.map((v, i) => (at.includes(i) ? this.#storeNode(v) : v))));
      return { ...out, values: ValuesNode.create(rows) };
    } finally { this.#scopes.pop(); }
  }

  protected override transformUpdateQuery(node: UpdateQueryNode, queryId?: QueryId): UpdateQueryNode {
    this.#enter([node.table, ...(node.from?.froms ?? []), ...(node.joins ?? []).map((j) => j.table)]);
    try { this.#returning(node.returning); return super.transformUpdateQuery(node, queryId); } finally { this.#scopes.pop(); }
  }

  protected override transformDeleteQuery(node: DeleteQueryNode, queryId?: QueryId): DeleteQueryNode {
    this.#enter([...node.from.froms, ...(node.joins ?? []).map((j) => j.table)]);
    try { this.#returning(node.returning); return super.transformDeleteQuery(node, queryId); } finally { this.#scopes.pop(); }
  }

  protected override transformColumnUpdate(node: ColumnUpdateNode, queryId?: QueryId): ColumnUpdateNode {
    const out = super.transformColumnUpdate(node, queryId);
    const table = [...this.#scope.values()][0];
    const col = node.column.kind === 'ColumnNode' ? (node.column as unknown as { column: { name: string } }).column.name : '';
    return table && PATH_COLUMNS[table]?.includes(col) ? { ...out, value: this.#storeNode(out.value) } : out;
  }

  protected override transformBinaryOperation(node: BinaryOperationNode, queryId?: QueryId): BinaryOperationNode {
    const out = super.transformBinaryOperation(node, queryId);
    const op = out.operator.kind === 'OperatorNode' ? (out.operator as unknown as { operator: string }).operator : '';
    return COMPARISONS.has(op) && this.#pathTable(out.leftOperand) ? { ...out, rightOperand: this.#storeNode(out.rightOperand) } : out;
  }
}

/** The Kysely plugin a Production installs on its database. */
export class ProductionPaths implements KyselyPlugin {
  readonly #roots: string[];
  readonly #outputs = new WeakMap<QueryId, string[]>();
  constructor(readonly dir: string) { this.#roots = productionRoots(dir); }

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    const q = new PathQuery(this.#roots);
    const out = q.transformNode(node, queryId);
    if (q.outputs.size) this.#outputs.set(queryId, [...q.outputs]);
    return out;
  }

  async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const cols = this.#outputs.get(queryId);
    if (!cols || !result.rows?.length) return result;
    const rows = result.rows.map((row) => {
      const r: UnknownRow = { ...row };
      for (const c of cols) if (typeof r[c] === 'string') r[c] = resolvedPath(this.dir, r[c] as string);
      return r;
    });
    return { ...result, rows };
  }
}
