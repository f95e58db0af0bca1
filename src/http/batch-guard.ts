/**
 * Checks on a JSON-RPC body that must come before any per-message work. A 40,000-message batch
 * spent 4.7 s in a quadratic duplicate-id check (ids.indexOf in a loop) before the SDK's own
 * 100-message limit refused it; the initialize test also ran once per message. Here the size is
 * refused first, in O(1), and the id check is one pass over a Set.
 */

/** Most messages in one batch: the MCP SDK's own limit (MAX_BATCH_SIZE), refused before it is reached. */
export const MAX_BATCH_MESSAGES = 100;
/** Longest request id quoted back in an error. */
const MAX_QUOTED_ID = 100;

export interface BodyRefusal {
  status: number;
  /** JSON-RPC error code. */
  code: number;
  message: string;
}

/** A refusal for a parsed batch of more than MAX_BATCH_MESSAGES messages, else undefined (O(1)). */
export function oversizedBatch(body: unknown): BodyRefusal | undefined {
  if (!Array.isArray(body) || body.length <= MAX_BATCH_MESSAGES) return undefined;
  return {
    status: 400,
    code: -32600,
    message: `Invalid Request: a batch holds ${body.length} messages; at most ${MAX_BATCH_MESSAGES} are accepted. Send the requests in smaller batches (or one by one).`,
  };
}

/**
 * The same refusal from the raw body text, before JSON.parse: parsing and collecting 40,000
 * message objects is itself most of a second of event loop (and garbage collection) on a busy
 * host. Scans only until the 101st top-level item of an array, so its cost does not grow with the
 * body; anything else (an object, malformed JSON) is left to the parser.
 */
export function oversizedBatchText(text: string): BodyRefusal | undefined {
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t'))
    i++;
  if (text[i] !== '[') return undefined;
  let depth = 0;
  let inString = false;
  let items = 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && depth === 1 && ++items > MAX_BATCH_MESSAGES)
      return {
        status: 400,
        code: -32600,
        message: `Invalid Request: a batch holds more than ${MAX_BATCH_MESSAGES} messages; at most ${MAX_BATCH_MESSAGES} are accepted. Send the requests in smaller batches (or one by one).`,
      };
  }
  return undefined;
}

/** Ids of the JSON-RPC requests (not notifications or responses) in a body, typed so 1 and "1" differ. */
export function requestIds(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  const ids: string[] = [];
  for (const m of messages)
    if (m && typeof m === 'object' && 'method' in m && 'id' in m) ids.push(`${typeof m.id}:${String(m.id)}`);
  return ids;
}

/**
 * A refusal when a request id of `body` is already in flight on the session or repeats within the
 * body (a second request with an id in flight would take over the first one's answer and leave
 * its HTTP response open for good); else the ids, to mark in flight. O(n) in the batch.
 */
export function admitRequestIds(
  body: unknown,
  inflight: ReadonlySet<string>,
): { ids: string[]; refusal?: undefined } | { ids?: undefined; refusal: BodyRefusal } {
  const ids = requestIds(body);
  const seen = new Set<string>();
  for (const id of ids) {
    if (inflight.has(id) || seen.has(id)) {
      const shown = id.slice(id.indexOf(':') + 1);
      return {
        refusal: {
          status: 409,
          code: -32600,
          message: `Request id ${shown.length > MAX_QUOTED_ID ? `${shown.slice(0, MAX_QUOTED_ID)}…` : shown} is already used by a request in flight on this session; give every request its own id.`,
        },
      };
    }
    seen.add(id);
  }
  return { ids };
}
