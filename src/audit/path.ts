import { join } from 'node:path';
import type { Config } from '../config/schema.ts';

/** Where the audit log is: audit.file, or audit.jsonl in the state directory. */
export function auditPath(config: Config): string {
  return config.audit.file ?? join(config.state_dir, 'audit.jsonl');
}
