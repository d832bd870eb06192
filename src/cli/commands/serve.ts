// atelier serve <production>: the dailies server (API + review web app) for one production; and
// its tokens: --create-token <name> --role <role>, --list-tokens, --revoke-token <id>.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openProduction } from '../../store/index.js';
import { createToken, listTokens, parseRole, revokeToken, ROLES } from '../../server/auth.js';
import { migrateServer } from '../../server/db.js';
import { audit } from '../../server/audit.js';
import { buildServer } from '../../server/app.js';
import { integer, positiveNumber, DEVICE_OPTION } from './store-common.js';
import { queueFromOptions, queueNameFor } from '../../farm/connection.js';
import { BullMQQueue } from '../../farm/bullmq-queue.js';

interface ServeOpts { port: number; host: string; createToken?: string; role?: string; listTokens?: boolean; revokeToken?: number; uploadMb?: number; jobThreads?: number; queue?: string; chunk?: number; log?: boolean; json?: boolean; tlsCert?: string; tlsKey?: string; trustProxy?: boolean }

export function registerServe(program: Command): void {
  program.command('serve')
    .argument('[production]', 'the production folder (default: $ATELIER_PRODUCTION, else the current folder or a parent)')
    .description('Serve the dailies review app and its API (/api, OpenAPI at /api/openapi.json, GET /health) for one production.')
    .option(...DEVICE_OPTION)
    .option('--port <n>', 'port', integer, 8787)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--create-token <name>', 'create an access token (shown once) and exit')
    .option('--role <role>', `role of the new token: ${ROLES.join(' | ')}`, 'viewer')
    .option('--list-tokens', 'list tokens (never their values) and exit')
    .option('--revoke-token <id>', 'revoke a token by id and exit', integer)
    .option('--upload-mb <n>', 'largest upload per file, MB (default 256, at most the production\'s max file size)', positiveNumber)
    .option('--job-threads <n>', 'libtorch threads per job', integer)
    .option('--queue <url>', 'run jobs on the farm: its Redis, redis://host:port (default: $ATELIER_QUEUE; none: in this process)')
    .option('--chunk <n>', 'with --queue: frames per chunk of a farm render (default 8)', integer)
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key): tokens and session cookies never cross the network in clear')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--trust-proxy', 'behind a reverse proxy that terminates TLS (nginx, Caddy): trust its X-Forwarded-For/-Proto headers')
    .option('--log', 'log every request')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Roles: viewer (read everything), artist (+ upload, notes, refine requests, renders, cancel own jobs),
supervisor (+ approve / needs work, training, cancel any job, rights).
Over a studio network serve HTTPS: --tls-cert/--tls-key, or a reverse proxy that terminates TLS
and forwards to 127.0.0.1 with X-Forwarded-Proto (then --trust-proxy, so cookies are marked Secure).
Example:
  atelier serve ./ep01 --create-token ana --role supervisor
  atelier serve ./ep01 --port 8787     # then open http://127.0.0.1:8787 and paste the token
  atelier serve ./ep01 --host 0.0.0.0 --tls-cert /etc/atelier/cert.pem --tls-key /etc/atelier/key.pem`)
    .action(async (dir: string | undefined, o: ServeOpts) => {
      if (o.createToken || o.listTokens || o.revokeToken !== undefined) {
        const prod = await openProduction(dir);
        try {
          const db = await migrateServer(prod);
          if (o.createToken) {
            const role = parseRole(o.role ?? 'viewer');
            const t = await createToken(db, o.createToken, role);
            await audit(db, null, { actor: 'cli', role: '-', action: 'token-create', target: `token ${t.id}`, detail: { name: o.createToken, role } });
            if (o.json) console.log(JSON.stringify({ id: t.id, name: o.createToken, role, token: t.token }));
            else console.log(`token #${t.id} for ${o.createToken} (${role}) — shown only now, keep it secret:\n${t.token}`);
          } else if (o.revokeToken !== undefined) {
            const ok = await revokeToken(db, o.revokeToken);
            if (!ok) throw new Error(`no active token #${o.revokeToken}`);
            await audit(db, null, { actor: 'cli', role: '-', action: 'token-revoke', target: `token ${o.revokeToken}` });
            console.log(o.json ? JSON.stringify({ revoked: o.revokeToken }) : `revoked token #${o.revokeToken}`);
          } else {
            const rows = await listTokens(db);
            if (o.json) console.log(JSON.stringify(rows));
            else for (const r of rows) console.log(`#${r.id}  ${r.name}  ${r.role}  created ${r.created_at}${r.revoked_at ? `  REVOKED ${r.revoked_at}` : ''}`);
          }
        } finally { await prod.close(); }
        return;
      }
      if (!o.tlsCert !== !o.tlsKey) throw new Error('--tls-cert and --tls-key go together (a PEM certificate and its private key)');
      const https = o.tlsCert && o.tlsKey ? { cert: readPem(o.tlsCert, 'certificate'), key: readPem(o.tlsKey, 'private key') } : undefined;
      const prod = await openProduction(dir);
      const farm = queueFromOptions(o.queue);
      if (!farm && o.chunk !== undefined) throw new Error('--chunk goes with --queue (farm renders)');
      if (o.chunk !== undefined && o.chunk < 1) throw new Error('--chunk must be at least 1 frame');
      const queue = farm ? new BullMQQueue({ connection: farm, queueName: queueNameFor(prod.dir), chunk: o.chunk }) : undefined;
      if (queue) await queue.ready().catch(async (err) => { await queue.close(); await prod.close(); throw err; });
      const server = await buildServer({ production: prod, queue, limits: o.uploadMb ? { uploadBytes: o.uploadMb * 1048576 } : undefined, jobThreads: o.jobThreads, logger: !!o.log, https, trustProxy: !!o.trustProxy });
      const address = await server.app.listen({ port: o.port, host: o.host });
      if (!https && !o.trustProxy && !['127.0.0.1', 'localhost', '::1'].includes(o.host)) console.error('warning: serving plain HTTP on the network: tokens and session cookies cross it in clear; use --tls-cert/--tls-key or a TLS reverse proxy (--trust-proxy)');
      const tokens = (await listTokens(server.ctx.db)).filter((t) => !t.revoked_at).length;
      console.log(o.json ? JSON.stringify({ url: address, production: prod.dir, queue: queue ? queue.name : 'in-process' }) : `Atelier dailies for ${prod.dir} at ${address}  (API: ${address}/api/openapi.json)${tokens ? '' : `\nno tokens yet: create one with \`atelier serve ${dir ?? '.'} --create-token <name> --role supervisor\``}`);
      const stop = async () => { await server.close(); await prod.close(); process.exit(0); };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}

function readPem(file: string, what: string): Buffer {
  let pem: Buffer;
  try { pem = readFileSync(file); } catch (e) { throw new Error(`cannot read the TLS ${what} ${file}: ${(e as Error).message}`); }
  if (!pem.includes('-----BEGIN')) throw new Error(`${file} is not a PEM ${what} (no -----BEGIN line)`);
  return pem;
}
