import { createHash } from 'node:crypto';
import type { ApprovalRecord } from '../policy/approvals/store.ts';

/** Everything user-controlled goes through here before it reaches the page. */
export function esc(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body{font:16px/1.45 system-ui,sans-serif;margin:0;background:#f5f5f4;color:#1c1917}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin:.2rem 0 .6rem}
.card{background:#fff;border:1px solid #d6d3d1;border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.risk-critical{border-left:.4rem solid #b91c1c}.risk-high{border-left:.4rem solid #c2410c}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:0 0 .8rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f5f4;padding:.5rem;border-radius:.3rem;margin:0}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;margin:.3rem 0 .6rem}
button{font-size:1rem;padding:.6rem 1.1rem;border-radius:.4rem;border:1px solid #78716c;margin:.2rem .4rem .2rem 0}
.approve{background:#15803d;color:#fff;border-color:#15803d}.deny{background:#fff;color:#b91c1c;border-color:#b91c1c}
.note{color:#57534e}.flash{background:#ecfccb;border-color:#65a30d}.error{background:#fee2e2;border-color:#b91c1c}
header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
`;

/** The only inline content allowed by the page's CSP (by hash); no script at all. */
export const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

export interface Viewer {
  id: string;
  name: string;
  csrf: string;
}

export function layout(title: string, body: string, viewer?: Viewer): string {
  const signOut = viewer
    ? `<form method="post" action="/approvals/logout"><input type="hidden" name="csrf" value="${esc(viewer.csrf)}"><span class="note">Signed in as ${esc(viewer.name)}</span> <button type="submit">Sign out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · tailwarden</title><style>${STYLE}</style></head>
<body><main><header><h1>${esc(title)}</h1>${signOut}</header>
${body}
</main></body></html>`;
}

export function signInPage(next: string, message?: string): string {
  return layout(
    'Sign in to approve',
    `${message ? `<p class="card error" role="alert">${esc(message)}</p>` : ''}
<form class="card" method="post" action="/approvals/login">
<p>Sign in with a tailwarden token that holds the <code>approvals:grant</code> permission
(create one on the gateway host with <code>tailwarden token create --name approver --permissions approvals:grant</code>).</p>
<label for="token">Approver token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required>
<input type="hidden" name="next" value="${esc(next)}">
<button type="submit" class="approve">Sign in</button>
</form>`,
  );
}

function iso(ms: number | null): string {
  return ms ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}

function decisionForm(record: ApprovalRecord, viewer: Viewer): string {
  const own = record.principalId === viewer.id;
  return `<form method="post" action="/approvals/${esc(record.id)}/decide">
<input type="hidden" name="csrf" value="${esc(viewer.csrf)}">
<label for="reason-${esc(record.id)}">Reason (optional, shown to the caller)</label>
<input type="text" id="reason-${esc(record.id)}" name="reason" maxlength="500">
${own ? '<p class="note">You requested this yourself, so you cannot approve it (policy.allow_self_approval); you can deny it.</p>' : ''}
<button type="submit" name="decision" value="approve" class="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="deny">Deny</button>
</form>`;
}

/** A long text argument (a policy file) shown as text too, line by line, so nothing hides in an escaped string. */
function multilineArgs(args: Record<string, unknown>): string {
  return Object.entries(args)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].includes('\n'))
    .map(([key, text]) => `<p><code>${esc(key)}</code> as text:</p>\n<pre>${esc(text)}</pre>`)
    .join('\n');
}

export function approvalCard(record: ApprovalRecord, viewer: Viewer, now = Date.now()): string {
  const expired = record.state === 'pending' && record.expiresAt <= now;
  const state = expired ? 'expired' : record.state;
  const decided = record.decidedAt
    ? `<dt>Decided</dt><dd>${esc(record.state === 'denied' ? 'denied' : 'approved')} by ${esc(record.decidedByName)} via ${esc(record.decidedVia)}, ${iso(record.decidedAt)}${record.reason ? ` — ${esc(record.reason)}` : ''}</dd>`
    : '';
  return `<section class="card risk-${esc(record.risk)}" id="${esc(record.id)}">
<h2><a href="/approvals/${esc(record.id)}">${esc(record.summary)}</a></h2>
<dl>
<dt>State</dt><dd data-state="${esc(state)}">${esc(state)}</dd>
<dt>Tool</dt><dd><code>${esc(record.tool)}</code> (risk ${esc(record.risk)})</dd>
<dt>Requested by</dt><dd>${esc(record.principalName)} <span class="note">(${esc(record.principalId)})</span></dd>
<dt>Requested</dt><dd>${iso(record.createdAt)}</dd>
<dt>Expires</dt><dd>${iso(record.expiresAt)}</dd>
<dt>ID</dt><dd><code>${esc(record.id)}</code></dd>
${decided}
</dl>
<p><strong>Exact arguments</strong>, complete (the approval covers only these; secrets are shown as <code>[secret: N chars]</code>, the call runs with the real values):</p>
<pre>${esc(JSON.stringify(record.args, null, 2))}</pre>
${multilineArgs(record.args)}
${state === 'pending' ? decisionForm(record, viewer) : ''}
</section>`;
}

export function listPage(
  pending: ApprovalRecord[],
  recent: ApprovalRecord[],
  viewer: Viewer,
  flash?: string,
) {
  const flashHtml = flash ? `<p class="card flash" role="status">${esc(flash)}</p>` : '';
  const pendingHtml = pending.length
    ? pending.map((r) => approvalCard(r, viewer)).join('\n')
    : '<p class="card note">Nothing is waiting for approval.</p>';
  const recentHtml = recent.length
    ? `<h2>Recently decided</h2>${recent.map((r) => approvalCard(r, viewer)).join('\n')}`
    : '';
  return layout('Pending approvals', `${flashHtml}${pendingHtml}${recentHtml}`, viewer);
}

export function messagePage(title: string, message: string, viewer?: Viewer): string {
  return layout(
    title,
    `<p class="card error" role="alert">${esc(message)}</p><p><a href="/approvals">Back to approvals</a></p>`,
    viewer,
  );
}
