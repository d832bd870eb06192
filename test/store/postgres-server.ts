// A throwaway PostgreSQL server for the workspace tests: initdb into a temporary folder, listen on a
// unix socket in that folder and on a random loopback port, one fresh database per test; stopped
// and deleted when the test file ends. Debian's binaries (/usr/lib/postgresql/<v>/bin); initdb and
// the server refuse to run as root, so as root (here and in CI) they run as the `postgres` user.
import { mkdtempSync, rmSync, writeFileSync, chownSync, existsSync, readdirSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';

export const PG_USER = 'atelier';
export const PG_PASSWORD = 'pw-s3cret-never-printed';

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) {
    throw new Error('PostgreSQL server binaries not found (/usr/lib/postgresql/<version>/bin/initdb and pg_ctl): the workspace tests run on PostgreSQL too. Run scripts/setup.sh (it installs Debian\'s postgresql package).');
  }
  return join(base, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); });
  });
}

export class PostgresServer {
  private dbCount = 0;
  private running = false;
  private constructor(readonly root: string, readonly bin: string, readonly port: number, private readonly asUser: string[]) {}

  get dataDir(): string { return join(this.root, 'data'); }
  get socketDir(): string { return this.root; }

  static async start(): Promise<PostgresServer> {
    const bin = binDir();
    const root = mkdtempSync(join(tmpdir(), 'atelier-pg-'));
    const isRoot = process.getuid?.() === 0;
    const asUser = isRoot ? ['runuser', '-u', 'postgres', '--'] : [];
    try {
      if (isRoot) {
        const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
        const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
        chownSync(root, uid, gid);
      }
      chmodSync(root, 0o755);
      const pwfile = join(root, 'pw');
      writeFileSync(pwfile, PG_PASSWORD + '\n');
      if (isRoot) chownSync(pwfile, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), 0);
      const init = spawnSync(asUser[0] ?? join(bin, 'initdb'), [...asUser.slice(1), ...(asUser.length ? [join(bin, 'initdb')] : []),
        '-D', join(root, 'data'), '-U', PG_USER, '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256',
        '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'], { encoding: 'utf8' });
      rmSync(pwfile, { force: true });
      if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout || init.error?.message}`);
      const server = new PostgresServer(root, bin, await freePort(), asUser);
      server.startSync();
      // Stop the server even if the test process exits without running its after hooks.
      process.once('exit', () => server.destroySync());
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => { server.destroySync(); process.exit(128 + (sig === 'SIGINT' ? 2 : 15)); });
      return server;
    } catch (err) {
      rmSync(root, { recursive: true, force: true });
      throw err;
    }
  }

  private pgCtl(args: string[]) {
    const cmd = this.asUser.length ? this.asUser[0] : join(this.bin, 'pg_ctl');
    const full = this.asUser.length ? [...this.asUser.slice(1), join(this.bin, 'pg_ctl'), ...args] : args;
    return spawnSync(cmd, full, { encoding: 'utf8' });
  }

  /** Starts (or restarts) the server on the same port and socket, waiting until it accepts connections. */
  startSync(): void {
    // fsync=off is safe here: the tests stop or crash the server, never the machine (commits stay
    // synchronous, so an immediate stop loses nothing committed).
    const opts = `-p ${this.port} -k ${this.socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;
    const r = this.pgCtl(['-D', this.dataDir, '-l', join(this.root, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
    if (r.status !== 0) throw new Error(`pg_ctl start failed: ${r.stderr || r.stdout}\n${this.log()}`);
    this.running = true;
  }

  /** Stops the server: "immediate" drops every connection at once, like a crash or a network cut. */
  stopSync(mode: 'fast' | 'immediate' = 'fast'): void {
    if (!this.running) return;
    const r = this.pgCtl(['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    if (r.status !== 0) throw new Error(`pg_ctl stop failed: ${r.stderr || r.stdout}`);
    this.running = false;
  }

  log(): string { try { return readFileSync(join(this.root, 'server.log'), 'utf8'); } catch { return ''; } }

  /** postgres://atelier:<password>@127.0.0.1:<port>/<db> (TCP; the password is required). */
  url(database: string): string { return `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${this.port}/${database}`; }
  /** The same database over the unix socket (local connections are trusted). */
  socketUrl(database: string): string { return `postgres://${PG_USER}@/${database}?host=${encodeURIComponent(this.socketDir)}&port=${this.port}`; }

  /** A new empty database; returns its name. */
  async createDatabase(prefix = 't'): Promise<string> {
    const name = `${prefix}_${process.pid}_${++this.dbCount}`;
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: this.socketUrl('postgres') });
    await client.connect();
    try { await client.query(`CREATE DATABASE "${name}"`); } finally { await client.end(); }
    return name;
  }

  destroySync(): void {
    try { this.stopSync('immediate'); } catch { /* already gone */ }
    rmSync(this.root, { recursive: true, force: true });
  }
}
