import { randomBytes, randomUUID } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatementSync } from 'node:sqlite';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyObject, SignJWT } from 'jose';
import type { Migration, StateDb } from '../state/db.ts';

export const TOKEN_MIGRATIONS: Migration[] = [
  {
    id: 'tokens_001_create',
    sql: `CREATE TABLE tokens (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT,
      permissions TEXT NOT NULL DEFAULT '[]',
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      revoked_at INTEGER,
      last_used_at INTEGER
    )`,
  },
];

const KEY_FILE = 'token-signing-key.json';
const LAST_USED_RESOLUTION_MS = 60_000;

export interface TokenRecord {
  id: string;
  name: string;
  role: string | null;
  permissions: string[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

interface SigningKey {
  kid: string;
  issuer: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

interface KeyFile {
  kid: string;
  issuer: string;
  jwk: JWK;
}

type Row = Record<string, string | number | null>;

function toRecord(row: Row): TokenRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    role: row.role === null ? null : String(row.role),
    permissions: JSON.parse(String(row.permissions)) as string[],
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

async function createKeyFile(path: string): Promise<void> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const content: KeyFile = {
    kid: randomBytes(8).toString('hex'),
    issuer: `urn:tailwarden:${randomUUID()}`,
    jwk: await exportJWK(privateKey),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content)}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, path); // fails if another process created it first: theirs wins
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(tmp);
  }
}

async function loadSigningKey(stateDir: string): Promise<SigningKey> {
  const path = join(stateDir, KEY_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await createKeyFile(path);
    text = readFileSync(path, 'utf8');
  }
  const file = JSON.parse(text) as KeyFile;
  const privateKey = (await importJWK(file.jwk, 'EdDSA', { extractable: false })) as KeyObject;
  const { d: _private, ...publicJwk } = file.jwk;
  const publicKey = (await importJWK(publicJwk, 'EdDSA')) as KeyObject;
  return { kid: file.kid, issuer: file.issuer, privateKey, publicKey };
}

export interface CreateTokenInput {
  name: string;
  role?: string;
  permissions?: string[];
  /** Lifetime in milliseconds; null means it never expires. */
  ttlMs: number | null;
}

/** Records kept in memory at most (only ids whose signature verified are ever looked up). */
const RECORD_CACHE_MAX = 10_000;

/**
 * Local tokens: EdDSA-signed JWTs whose metadata and revocations live in the
 * state database. The JWT carries only its id; roles and permissions come from
 * the database, so a revocation takes effect at once — from the next request,
 * also when another process (`tailwarden token revoke`) made it.
 *
 * Records are remembered between requests only while the database is unchanged
 * by anyone else: SQLite's `PRAGMA data_version` changes whenever another
 * connection (any process) commits, and this store clears its memory on its own
 * writes. Reading the token's row and building its record on every request
 * was the largest single step of the 2025-era call path in bench/eras.ts; the
 * `data_version` check that replaces it is one statement without a table read.
 */
export class TokenStore {
  private readonly db: StateDb;
  readonly key: SigningKey;
  private byId: StatementSync | undefined;
  private dataVersion: StatementSync | undefined;
  private readonly records = new Map<string, Readonly<TokenRecord>>();
  private recordsVersion: unknown;

  private constructor(db: StateDb, key: SigningKey) {
    this.db = db;
    this.key = key;
  }

  static async open(db: StateDb, stateDir: string): Promise<TokenStore> {
    db.migrate(TOKEN_MIGRATIONS);
    return new TokenStore(db, await loadSigningKey(stateDir));
  }

  get issuer(): string {
    return this.key.issuer;
  }

  async create(input: CreateTokenInput): Promise<{ record: TokenRecord; token: string }> {
    const id = `tok_${randomBytes(6).toString('hex')}`;
    const now = Date.now();
    const expiresAt = input.ttlMs === null ? null : now + input.ttlMs;
    let jwt = new SignJWT({ name: input.name })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.key.kid, typ: 'JWT' })
      .setIssuer(this.key.issuer)
      .setAudience(this.key.issuer)
      .setJti(id)
      .setIssuedAt(Math.floor(now / 1000));
    if (expiresAt !== null) jwt = jwt.setExpirationTime(Math.floor(expiresAt / 1000));
    const token = await jwt.sign(this.key.privateKey);
    this.db.sqlite
      .prepare(
        'INSERT INTO tokens (id, name, role, permissions, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(id, input.name, input.role ?? null, JSON.stringify(input.permissions ?? []), now, expiresAt);
    this.records.delete(id);
    return { record: this.get(id)!, token };
  }

  get(id: string): Readonly<TokenRecord> | undefined {
    this.forgetIfChangedElsewhere();
    const remembered = this.records.get(id);
    if (remembered) return remembered;
    this.byId ??= this.db.sqlite.prepare('SELECT * FROM tokens WHERE id = ?');
    const row = this.byId.get(id) as Row | undefined;
    if (!row) return undefined;
    return this.remember(toRecord(row));
  }

  private remember(record: TokenRecord): Readonly<TokenRecord> {
    if (this.records.size >= RECORD_CACHE_MAX) this.records.clear();
    const frozen = Object.freeze({
      ...record,
      permissions: Object.freeze([...record.permissions]) as string[],
    });
    this.records.set(record.id, frozen);
    return frozen;
  }

  /** Another connection committed since the records were read: they may be stale (revoked, say). */
  private forgetIfChangedElsewhere(): void {
    this.dataVersion ??= this.db.sqlite.prepare('PRAGMA data_version');
    const version = (this.dataVersion.get() as { data_version: unknown }).data_version;
    if (version === this.recordsVersion) return;
    this.records.clear();
    this.recordsVersion = version;
  }

  list(): TokenRecord[] {
    return (this.db.sqlite.prepare('SELECT * FROM tokens ORDER BY created_at').all() as Row[]).map(toRecord);
  }

  /** Returns false when no such token exists. Revoking twice keeps the first time. */
  revoke(id: string): boolean {
    const result = this.db.sqlite
      .prepare('UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?')
      .run(Date.now(), id);
    this.records.delete(id);
    return Number(result.changes) > 0;
  }

  /** Record use, at most once a minute per token, so the hot path rarely writes. */
  touch(record: TokenRecord, now = Date.now()): void {
    if (record.lastUsedAt !== null && now - record.lastUsedAt < LAST_USED_RESOLUTION_MS) return;
    this.db.sqlite.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(now, record.id);
    if (this.records.has(record.id)) this.remember({ ...record, lastUsedAt: now });
  }
}
