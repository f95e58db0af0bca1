import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../../audit/log.ts';
import { GatewayError } from '../../errors.ts';

/** How long a pick may be cited by a deploy: long enough for an approval, short enough to stay true. */
export const PICK_TTL_MS = 60 * 60 * 1000;
const MAX_PICKS = 500;

export interface Pick {
  id: string;
  host: string;
  at: number;
  /** Why this host won, in words (also written to the audit log). */
  reasons: string[];
}

export interface PickRecord {
  callId: string;
  /** Every ranked host with its score, best first. */
  ranking: { host: string; score: number }[];
  excluded: { host: string; reason: string }[];
}

/**
 * The picks fleet_pick_host made, so a deploy can cite one (`placement`) and be
 * held to it: it must name the host the pick chose, and the pick must be recent.
 * Each pick is written to the audit log with the ranking and the reasons, so the
 * audit shows where a workload went and why. In memory, bounded; a gateway
 * restart forgets them (pick again).
 */
export class PlacementLog {
  private readonly picks = new Map<string, Pick>();
  private readonly audit: AuditLog | undefined;
  private readonly now: () => number;

  constructor(options: { audit?: AuditLog; now?: () => number } = {}) {
    this.audit = options.audit;
    this.now = options.now ?? Date.now;
  }

  async record(host: string, reasons: string[], details: PickRecord): Promise<Pick> {
    const pick = { id: `pick-${randomBytes(6).toString('hex')}`, host, at: this.now(), reasons };
    await this.audit?.append({
      event: 'fleet.placement',
      call_id: details.callId,
      pick_id: pick.id,
      host,
      reasons,
      ranking: details.ranking,
      excluded: details.excluded,
    });
    this.picks.set(pick.id, pick);
    while (this.picks.size > MAX_PICKS) this.picks.delete(this.picks.keys().next().value!);
    return pick;
  }

  /** The pick, when it exists, is recent, and chose `host`; otherwise an error saying what to do. */
  verify(id: string, host: string | undefined): Pick {
    const pick = this.picks.get(id);
    if (!pick || this.now() - pick.at > PICK_TTL_MS) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Placement ${id} is unknown or older than ${PICK_TTL_MS / 60_000} minutes; call fleet_pick_host again and pass the host and pick_id it returns.`,
      );
    }
    if (pick.host !== host) {
      throw new GatewayError(
        'ERR_INPUT_REJECTED',
        `Placement ${id} chose host ${pick.host}, but the call ${host ? `names host ${host}` : 'names no host'}; pass host: "${pick.host}" with it (or leave placement out to choose the host yourself).`,
      );
    }
    return pick;
  }
}
