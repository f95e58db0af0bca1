import { labelKey } from './match.ts';
import type { SeriesName } from './series.ts';

export interface Latest {
  name: SeriesName;
  labels: Record<string, string>;
  value: number;
  t: number;
}

export interface RecentEvent {
  t: number;
  kind: string;
  area: string;
  subject: string;
  detail: Record<string, unknown>;
}

const MAX_RECENT_EVENTS = 5000;
const RECENT_WINDOW_MS = 6 * 3_600_000;

/**
 * What the collector knows now, in memory: the latest value of each series, the facts
 * of the last run of each source, and the events of the last hours. The alert rules
 * and the status resource read it; the history database is for the past.
 */
export class Snapshot {
  private readonly latest = new Map<string, Latest>();
  private readonly facts = new Map<string, Map<string, Record<string, unknown>>>();
  private recent: RecentEvent[] = [];

  set(name: SeriesName, labels: Record<string, string>, value: number, t: number): void {
    this.latest.set(`${name} ${labelKey(labels)}`, { name, labels, value, t });
  }

  /** Latest values of a series, each label set once, reported since `sinceMs`. */
  values(name: SeriesName, sinceMs: number): Latest[] {
    const out: Latest[] = [];
    for (const entry of this.latest.values()) if (entry.name === name && entry.t >= sinceMs) out.push(entry);
    return out;
  }

  /** Forget values not reported since `beforeMs` (a removed container, an unmounted disk). */
  expire(beforeMs: number): void {
    for (const [key, entry] of this.latest) if (entry.t < beforeMs) this.latest.delete(key);
  }

  replaceFacts(kind: string, facts: Map<string, Record<string, unknown>>): void {
    this.facts.set(kind, facts);
  }

  factsOf(kind: string): ReadonlyMap<string, Record<string, unknown>> {
    return this.facts.get(kind) ?? new Map();
  }

  addEvent(event: RecentEvent): void {
    this.recent.push(event);
    if (this.recent.length > MAX_RECENT_EVENTS) this.recent = this.recent.slice(-MAX_RECENT_EVENTS / 2);
  }

  /** Events of a kind since a time (within the last six hours). */
  eventsSince(kind: string, sinceMs: number): RecentEvent[] {
    return this.recent.filter((e) => e.kind === kind && e.t >= sinceMs);
  }

  pruneEvents(nowMs: number): void {
    const cutoff = nowMs - RECENT_WINDOW_MS;
    if (this.recent.length > 0 && this.recent[0]!.t < cutoff)
      this.recent = this.recent.filter((e) => e.t >= cutoff);
  }
}
