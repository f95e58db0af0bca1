import { randomBytes } from 'node:crypto';

/** One secret-bearing value and the part of it that must never be seen outside the gateway. */
export interface SecretCase {
  kind: string;
  value: string;
  material: string;
}

/**
 * Secret-bearing values in every form the detector promises to recognise, each carrying a random
 * marker unique to this run, so a grep of any sink for the material finds only a leak.
 */
export function secretCases(): SecretCase[] {
  const t = randomBytes(6).toString('hex');
  const T = t.toUpperCase();
  const cases: [string, string, string][] = [
    ['url password starting with @', `https://alice:@Pw${t}x@github.com/owner/repo.git`, `Pw${t}x`],
    ['token as url user name', `https://ghp_${t}${'A1'.repeat(12)}@github.com/owner/repo.git`, `ghp_${t}`],
    ['postgres url in text', `connect postgres://app:Pg${t}pw@db:5432/app now`, `Pg${t}pw`],
    ['github token', `ghp_${t}${'B2'.repeat(14)}`, `ghp_${t}`],
    ['github fine-grained token', `github_pat_${t}${'C3'.repeat(12)}`, `github_pat_${t}`],
    ['gitlab token', `glpat-${t}${'d4'.repeat(6)}`, `glpat-${t}`],
    ['slack token', `xoxb-${t}-1234567890`, `xoxb-${t}`],
    ['openai key', `sk-${t}${'e5'.repeat(14)}`, `sk-${t}`],
    ['aws key id', `AKIA${T}WXYZ`, `AKIA${T}`],
    ['jwt', `eyJhbGciOiJIUzI1NiJ9.eyJzdWIi${t}.sig${t}nature`, `sig${t}nature`],
    ['pem private key', `-----BEGIN PRIVATE KEY-----\nMIIE${t}QAB\n-----END PRIVATE KEY-----`, `MIIE${t}QAB`],
    ['password flag', `--password=Fl${t}ag`, `Fl${t}ag`],
    ['token flag with a space', `--token Tk${t}sp`, `Tk${t}sp`],
    ['mysql glued password', `mysql -u root -pMy${t}sq db`, `My${t}sq`],
    ['env assignment', `DB_PW=Env${t}pw`, `Env${t}pw`],
  ];
  return cases.map(([kind, value, material]) => ({ kind, value, material }));
}

/** Values under secret names (environment maps, catalog parameters), and the material in them. */
export function namedSecrets(): { values: Record<string, string>; materials: string[] } {
  const t = randomBytes(6).toString('hex');
  const values = {
    N8N_ENCRYPTION_KEY: `n8n${t}key`,
    DB_PW: `dbpw${t}x`,
    MEILI_MASTER_KEY: `meili${t}k`,
    GITHUB_TOKEN: `ghtok${t}x`,
    password: `plain${t}pw`,
  };
  return { values, materials: Object.values(values) };
}

/** Which materials a text contains. */
export function leaked(text: string, materials: readonly string[]): string[] {
  return materials.filter((m) => text.includes(m));
}
