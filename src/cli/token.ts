import { Command } from 'commander';
import { unknownRoles } from '../auth/roles.ts';
import { parseDuration } from '../config/fields.ts';
import { parsePermissionList } from '../policy/permissions.ts';
import { StateDb } from '../state/db.ts';
import {
  type CommonOptions,
  isoOrDash,
  isoTime,
  jsonRecord,
  loadFor,
  printJson,
  printTable,
  withCommonOptions,
  withJson,
} from './common.ts';

async function openStore(options: CommonOptions) {
  const { config } = loadFor(options);
  const db = new StateDb(config.state_dir);
  const { TokenStore } = await import('../auth/token-store.ts'); // jose loads only for token commands
  return { config, db, store: await TokenStore.open(db, config.state_dir) };
}

function parseTtl(value: string | undefined, defaultMs: number): number | null {
  if (value === undefined) return defaultMs;
  if (value === 'never') return null;
  return parseDuration(value);
}

export function tokenCommand(): Command {
  const token = new Command('token').description('create, list and revoke local access tokens');

  withJson(withCommonOptions(token.command('create')))
    .description('create a token and print it once (it cannot be shown again)')
    .requiredOption('--name <name>', 'what the token is for, e.g. "claude-code laptop"')
    .option('--role <role>', 'a role from the config (viewer, operator, admin by default)')
    .option('--permissions <list>', 'comma-separated permissions instead of (or besides) a role')
    .option('--ttl <duration>', 'lifetime, e.g. 30d or 12h; "never" for no expiry (default: auth.token_ttl)')
    .action(
      async (
        options: CommonOptions & { name: string; role?: string; permissions?: string; ttl?: string },
      ) => {
        const { config, db, store } = await openStore(options);
        try {
          if (!options.role && !options.permissions) throw new Error('give --role ROLE or --permissions a,b');
          if (options.role && unknownRoles(config, [options.role]).length > 0) {
            throw new Error(`unknown role "${options.role}"; roles: ${Object.keys(config.roles).join(', ')}`);
          }
          const permissions = options.permissions ? parsePermissionList(options.permissions) : [];
          const { record, token: secret } = await store.create({
            name: options.name,
            role: options.role,
            permissions,
            ttlMs: parseTtl(options.ttl, config.auth.token_ttl),
          });
          if (options.json)
            return printJson({
              id: record.id,
              token: secret,
              expires_at: record.expiresAt === null ? null : isoTime(record.expiresAt),
            });
          process.stderr.write(
            `Created token ${record.id} (${record.name}), expires ${record.expiresAt === null ? 'never' : isoOrDash(record.expiresAt)}.\n`,
          );
          process.stderr.write('Store it now: it is shown only once.\n');
          process.stdout.write(`${secret}\n`);
        } finally {
          db.close();
        }
      },
    );

  withJson(withCommonOptions(token.command('list')))
    .description('list tokens (never their secrets)')
    .action(async (options: CommonOptions) => {
      const { db, store } = await openStore(options);
      const records = store.list();
      db.close();
      if (options.json) return printJson(records.map(jsonRecord));
      const now = Date.now();
      const state = (r: (typeof records)[number]) =>
        r.revokedAt ? 'revoked' : r.expiresAt !== null && r.expiresAt <= now ? 'expired' : 'active';
      printTable(
        ['ID', 'NAME', 'PERMISSIONS', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'],
        records.map((r) => [
          r.id,
          r.name,
          [r.role ? `role:${r.role}` : '', ...r.permissions].filter(Boolean).join(','),
          isoOrDash(r.createdAt),
          r.expiresAt === null ? 'never' : isoOrDash(r.expiresAt),
          isoOrDash(r.lastUsedAt),
          state(r),
        ]),
      );
    });

  withCommonOptions(token.command('revoke'))
    .description('revoke a token; the running gateway refuses it from the next request')
    .argument('<id>', 'token id (from `tailwarden token list`)')
    .action(async (id: string, options: CommonOptions) => {
      const { db, store } = await openStore(options);
      const found = store.revoke(id);
      db.close();
      if (!found) throw new Error(`no token with id "${id}" (see \`tailwarden token list\`)`);
      process.stdout.write(`Revoked ${id}.\n`);
    });
  return token;
}
