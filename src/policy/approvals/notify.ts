import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../log.ts';
import {
  describeFailure,
  hostOf,
  ntfyHeaders,
  postNotification,
  sendWebhook,
} from '../../notify/channels.ts';
import type { ApprovalRecord } from './store.ts';

export interface NotifyResult {
  channel: 'log' | 'webhook' | 'ntfy';
  /** Host only: a webhook URL may carry a secret in its path or query. */
  target: string;
  ok: boolean;
  error?: string;
}

/** An ntfy message is at most 4,096 bytes; longer ones become attachments. The arguments go in when they fit. */
const NTFY_BODY_MAX_BYTES = 3500;

/** The JSON body of a generic webhook: everything an automation needs, the complete arguments with secrets masked. */
export function webhookPayload(record: ApprovalRecord, url: string) {
  return {
    type: 'approval.requested',
    id: record.id,
    tool: record.tool,
    risk: record.risk,
    summary: record.summary,
    args: record.args,
    requested_by: { id: record.principalId, name: record.principalName },
    created_at: new Date(record.createdAt).toISOString(),
    expires_at: new Date(record.expiresAt).toISOString(),
    url,
    cli: `tailwarden approvals approve ${record.id}`,
  };
}

/** ntfy's publish-as-headers format: the message is the body, the rest are headers. */
export function ntfyRequest(record: ApprovalRecord, url: string, token: string | undefined) {
  const headers = ntfyHeaders(
    {
      title: `Approval needed: ${record.tool}`,
      body: '',
      priority: record.risk === 'critical' ? 'urgent' : 'high',
      tags: 'warning',
      click: url,
      actions: `view, Review and decide, ${url}`,
    },
    token,
  );
  const head = `${record.summary}\nRequested by ${record.principalName}. Expires ${new Date(record.expiresAt).toISOString()}.\nID: ${record.id}`;
  const withArgs = `${head}\nArguments: ${JSON.stringify(record.args)}`;
  const body =
    Buffer.byteLength(withArgs) <= NTFY_BODY_MAX_BYTES
      ? withArgs
      : `${head}\nArguments: too long for a push message; open the approval page to read them all before deciding.`;
  return { headers, body };
}

/**
 * Announce a new approval request: always a log line, then each configured
 * webhook and ntfy topic. A failed notification is reported, never fatal — the
 * request stays pending and the CLI and page still work.
 */
export async function notifyApprovalRequested(
  record: ApprovalRecord,
  url: string,
  config: Pick<Config, 'policy'>,
  log: Logger,
): Promise<NotifyResult[]> {
  const { notify } = config.policy;
  log.warn(
    {
      approval_id: record.id,
      tool: record.tool,
      risk: record.risk,
      principal: record.principalId,
      url,
    },
    `approval needed: ${record.summary} — approve with \`tailwarden approvals approve ${record.id}\` or at ${url}`,
  );
  const results: NotifyResult[] = [{ channel: 'log', target: 'log', ok: true }];
  const attempts: Promise<NotifyResult>[] = notify.webhooks.map(async (hook): Promise<NotifyResult> => {
    const target = hostOf(hook);
    try {
      await sendWebhook(hook, webhookPayload(record, url), notify.timeout);
      return { channel: 'webhook', target, ok: true };
    } catch (error) {
      return { channel: 'webhook', target, ok: false, error: describeFailure(error) };
    }
  });
  if (notify.ntfy) {
    const topic = notify.ntfy;
    attempts.push(
      (async (): Promise<NotifyResult> => {
        try {
          const request = ntfyRequest(record, url, notify.ntfy_token);
          await postNotification(topic, request, notify.timeout);
          return { channel: 'ntfy', target: hostOf(topic), ok: true };
        } catch (error) {
          return { channel: 'ntfy', target: hostOf(topic), ok: false, error: describeFailure(error) };
        }
      })(),
    );
  }
  for (const result of await Promise.all(attempts)) {
    if (!result.ok)
      log.warn({ approval_id: record.id, ...result }, 'approval notification failed (request stays pending)');
    results.push(result);
  }
  return results;
}
