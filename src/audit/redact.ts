import { MAX_KEPT_DEPTH, MAX_KEPT_ITEMS, MAX_KEPT_STRING } from '../util/bounded.ts';
import { TimeSlice } from '../util/time-slice.ts';
import {
  isSecretMark,
  isSecretName,
  maskArgvItem,
  maskKeyLine,
  maskSecretsInText,
  namesMysql,
  secretMark,
} from './secrets.ts';

/**
 * The one redaction path. Every copy of caller data or tool output that leaves
 * the gateway goes through here or through maskSecretsInText (src/audit/secrets.ts):
 *
 * - `redactArgs` — the audit copy of tool arguments: secrets masked, long strings
 *   and lists cut (and marked as cut), so a record stays small;
 * - `redactForHuman` — the copy an approver or the confirming user sees: secrets
 *   masked, visibly, and nothing cut (too large arguments are refused instead);
 * - `redactOutput` — a tool result for a caller without `secrets:read`;
 * - `scrubText` — a sentence made from arguments (a summary, an error message),
 *   with the exact values the key rules hid removed as well.
 */

/** Deeper than this even a full copy stops (tool inputs and outputs are a few levels deep). */
const MAX_DEPTH = 32;
/**
 * The audit copy masks only what it keeps plus this margin: a secret the cut would split (a URL, a
 * key block) is still seen whole, and the work is bounded by what is kept, not by what was sent.
 */
const CUT_MARGIN = 16 * 1024;

export interface RedactOptions {
  /** Top-level keys whose values are secrets whole (a tool's `sensitive` arguments). */
  sensitive?: readonly string[];
  /** The audit copy: cut long strings, long lists and deep nesting, and say so. */
  cut?: boolean;
}

/** Every string inside a secret value is masked; its keys (a map's names) stay readable. */
function maskAll(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value === '' || isSecretMark(value) ? value : secretMark(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => maskAll(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v, depth + 1)]));
}

/** The audit cut (util/bounded.ts limits and wording), counting the characters the caller sent. */
function cutMasked(masked: string, original: string): string {
  return original.length > MAX_KEPT_STRING || masked.length > MAX_KEPT_STRING
    ? `${masked.slice(0, MAX_KEPT_STRING)}…(cut: ${original.length} characters)`
    : masked;
}

function kept(text: string): string {
  return text.length > MAX_KEPT_STRING + CUT_MARGIN ? text.slice(0, MAX_KEPT_STRING + CUT_MARGIN) : text;
}

/** Walk state: whether the previous string left a private key block open (a key split over lines). */
interface WalkState {
  inKey: boolean;
}

/** A string already masked on its own, made aware of a private key that runs across strings. */
function keyAware(original: string, masked: string, state: WalkState): string {
  if (!state.inKey && !original.includes('PRIVATE KEY')) return masked;
  const line = maskKeyLine(original, state.inKey);
  state.inKey = line.open;
  return line.text;
}

/**
 * The walk, as a generator that yields between items: run to the end at once for the small copies
 * (arguments), or in time slices for a tool result that may be megabytes (see redactOutput).
 */
function* walk(
  value: unknown,
  options: RedactOptions,
  depth: number,
  state: WalkState,
): Generator<void, unknown> {
  const cut = options.cut === true;
  if (typeof value === 'string') {
    // Masked before the cut, so a secret the cut would split is still masked whole.
    const text = cut ? kept(value) : value;
    const masked = keyAware(text, maskSecretsInText(text), state);
    return cut ? cutMasked(masked, value) : masked;
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= (cut ? MAX_KEPT_DEPTH : MAX_DEPTH)) return `[nested deeper than ${depth} levels]`;
  if (Array.isArray(value)) {
    const shown = cut ? value.slice(0, MAX_KEPT_ITEMS) : value;
    const items: unknown[] = [];
    if (shown.every((v) => typeof v === 'string')) {
      const texts = cut ? (shown as string[]).map(kept) : (shown as string[]);
      const mysql = namesMysql(texts);
      for (let i = 0; i < texts.length; i++) {
        yield;
        const done = keyAware(texts[i]!, maskArgvItem(texts, i, mysql), state);
        items.push(cut ? cutMasked(done, shown[i] as string) : done);
      }
    } else {
      for (const item of shown) {
        yield;
        items.push(yield* walk(item, options, depth + 1, state));
      }
    }
    if (value.length > shown.length) items.push(`…(cut: ${value.length} items)`);
    return items;
  }
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [key, child] of Object.entries(value)) {
    if (cut && ++count > MAX_KEPT_ITEMS) {
      out['…'] = `cut: ${Object.keys(value).length} keys`;
      break;
    }
    yield;
    const secret = isSecretName(key) || (depth === 0 && options.sensitive?.includes(key) === true);
    out[key] = yield* walk(secret ? maskAll(child, depth + 1) : child, options, depth + 1, state);
  }
  return out;
}

function runWalk(value: unknown, options: RedactOptions): unknown {
  const steps = walk(value, options, 0, { inKey: false });
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/** Any value with every secret the detector recognises masked (see RedactOptions for the audit cut). */
export function redactValue(value: unknown, options: RedactOptions = {}): unknown {
  return runWalk(value, options);
}

/**
 * The audit copy of tool arguments: secrets masked, then cut like every kept record (util/bounded.ts:
 * strings, lists and nesting, each cut saying so).
 */
export function redactArgs(value: unknown, sensitive: readonly string[] = []): unknown {
  return runWalk(value, { sensitive, cut: true });
}

/** The copy of tool arguments a person sees before approving or confirming: secrets masked, nothing cut. */
export function redactForHuman(
  args: Record<string, unknown>,
  sensitive: readonly string[] = [],
): Record<string, unknown> {
  return runWalk(args, { sensitive }) as Record<string, unknown>;
}

/**
 * A tool result for a caller who may not read secrets. A result can be megabytes (log lines, a
 * file, command output): it is masked in time slices, so the daemon keeps answering meanwhile.
 */
export async function redactOutput<T>(output: T): Promise<T> {
  const steps = walk(output, {}, 0, { inKey: false });
  const slice = new TimeSlice();
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value as T;
    await slice.pause();
  }
}

const MIN_SCRUBBED = 4;
const MAX_SCRUBBED = 50;

/**
 * The exact values the key rules hide in these arguments (a `DB_PW` value, a `sensitive`
 * argument), so a sentence built from the arguments can be scrubbed of them too.
 */
export function secretValues(args: unknown, sensitive: readonly string[] = []): string[] {
  const found = new Set<string>();
  const collect = (value: unknown, secret: boolean, depth: number) => {
    if (found.size >= MAX_SCRUBBED || depth >= MAX_DEPTH) return;
    if (typeof value === 'string') {
      if (secret && value.length >= MIN_SCRUBBED) found.add(value);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const isSecret =
        secret || isSecretName(key) || (depth === 0 && !Array.isArray(value) && sensitive.includes(key));
      collect(child, isSecret, depth + 1);
    }
  };
  collect(args, false, 0);
  return [...found].sort((a, b) => b.length - a.length);
}

/** A text made from arguments or output (a summary, an error message): known secret values and detected ones masked. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(secretMark(secret));
  return maskSecretsInText(out);
}
