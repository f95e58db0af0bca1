import { join } from 'node:path';
import type { Config } from '../config/schema.ts';

/** Where the audit log is: audit.file, else audit.jsonl in the state directory. */
export function auditPath(config: Pick<Config, 'audit' | 'state_dir'>): string {
  return config.audit.file ?? join(config.state_dir, 'audit.jsonl');
}
