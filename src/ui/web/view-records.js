import { getJson, postJson } from './api.js';
import { badge, el, fmtTime, note, table, visible } from './dom.js';

function requestCard(r, me, act) {
  const own = r.principal_id === me.id;
  const reason = el('input', { type: 'text', id: `reason-${r.id}`, maxlength: 500 });
  return el(
    'section',
    { class: 'card approval', id: `approval-${r.id}`, 'aria-label': `Approval request ${visible(r.id)}` },
    el('h2', {}, badge(r.risk, r.risk === 'critical' ? 'bad' : 'warn'), ' ', visible(r.tool)),
    el('p', { class: 'summary', text: visible(r.summary) }),
    el('p', {
      class: 'sub',
      text: `requested by ${visible(r.principal_name)} at ${fmtTime(r.created_at)}, expires ${fmtTime(r.expires_at)}`,
    }),
    el('pre', { class: 'args', text: visible(JSON.stringify(r.args, null, 2)) }),
    el('label', { for: `reason-${r.id}`, text: 'Reason (optional, shown to the caller)' }),
    reason,
    own
      ? note(
          'You requested this yourself, so you cannot approve it (policy.allow_self_approval); you can deny it.',
        )
      : null,
    el(
      'div',
      { class: 'actions' },
      el('button', {
        type: 'button',
        class: 'approve',
        disabled: own && !r.allow_self,
        text: 'Approve',
        onclick: () => act(r, 'approve', reason.value),
      }),
      el('button', {
        type: 'button',
        class: 'deny',
        text: 'Deny',
        onclick: () => act(r, 'deny', reason.value),
      }),
    ),
  );
}

/** Pending approval requests in full (what the approval page shows), decided here or there. */
export async function approvalsView(root, me, refresh, say) {
  const data = await getJson('/ui/api/approvals');
  const act = async (r, decision, reason) => {
    try {
      await postJson(`/ui/api/approvals/${encodeURIComponent(r.id)}`, { decision, reason });
      say(`${decision === 'approve' ? 'Approved' : 'Denied'}: ${r.summary}`);
    } catch (error) {
      say(`Not changed: ${error.message}`);
    }
    refresh();
  };
  root.replaceChildren(
    el('h1', { text: 'Approvals' }),
    data.pending.length === 0
      ? note('No pending requests.')
      : el(
          'div',
          { class: 'cards' },
          data.pending.map((r) => requestCard({ ...r, allow_self: data.allow_self }, me, act)),
        ),
    el('h2', { text: 'Recently decided' }),
    table(
      'Recently decided requests',
      [
        { head: 'Tool', cell: (r) => r.tool },
        { head: 'State', cell: (r) => badge(r.state, r.state === 'denied' ? 'bad' : 'ok') },
        { head: 'By', cell: (r) => r.decided_by ?? '–' },
        { head: 'When', cell: (r) => fmtTime(r.decided_at) },
        { head: 'Summary', class: 'wide', cell: (r) => r.summary },
      ],
      data.recent,
    ),
  );
}

const query = { principal: '', tool: '', outcome: '', from: '24h', to: '' };

/** Audit search (by principal, tool, outcome, time) and the hash chain's state. */
export async function auditView(root, _me, refresh) {
  const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
  const data = await getJson(`/ui/api/audit?${params}`);
  const field = (name, label) =>
    el(
      'span',
      { class: 'field' },
      el('label', { for: `q-${name}`, text: label }),
      el('input', { id: `q-${name}`, name, value: query[name], maxlength: 200 }),
    );
  const form = el(
    'form',
    {
      class: 'controls',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        for (const key of Object.keys(query)) query[key] = new FormData(e.target).get(key)?.toString() ?? '';
        refresh();
      },
    },
    field('principal', 'Principal'),
    field('tool', 'Tool'),
    field('outcome', 'Outcome'),
    field('from', 'From'),
    field('to', 'To'),
    el('button', { type: 'submit', text: 'Search' }),
  );
  const chain = data.chain;
  root.replaceChildren(
    el('h1', { text: 'Audit log' }),
    el(
      'p',
      { class: `chain ${chain.ok ? 'ok' : 'bad'}`, role: 'status' },
      badge(chain.ok ? 'chain intact' : 'chain broken', chain.ok ? 'ok' : 'bad'),
      ` ${chain.records ?? '?'} records checked ${fmtTime(chain.checked_at)}${chain.broken ? ` — broken at line ${chain.broken.line}: ${visible(chain.broken.reason)}` : ''}${(chain.problems ?? []).length > 0 ? ` — ${chain.problems.map(visible).join('; ')}` : ''}`,
    ),
    form,
    el('p', {
      class: 'sub',
      text: `${data.matched} matching records from ${fmtTime(data.from)} to ${fmtTime(data.to)}${data.truncated ? ' (showing the newest 200)' : ''}`,
    }),
    table(
      'Audit records, newest first',
      [
        { head: 'Time', cell: (r) => fmtTime(r.time) },
        { head: 'Principal', cell: (r) => r.principal ?? '–' },
        { head: 'Event', cell: (r) => r.event },
        { head: 'Tool', cell: (r) => r.tool ?? r.uri ?? '–' },
        { head: 'Outcome', cell: (r) => r.outcome ?? r.decision ?? '–' },
        {
          head: 'Detail',
          class: 'wide',
          cell: (r) => r.error ?? r.reason ?? (r.args ? JSON.stringify(r.args) : ''),
        },
      ],
      data.records,
      { class: 'audit' },
    ),
  );
}
