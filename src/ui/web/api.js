// The dashboard's requests: JSON to and from the gateway, with the session's CSRF token on
// every request that may change something. Errors come back as Error with the gateway's words.

function csrf() {
  return document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
}

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    location.reload();
    throw new Error('Signed out: reloading.');
  }
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

export async function getJson(url) {
  return answer(await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

export async function postJson(url, body) {
  return answer(
    await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
      body: JSON.stringify(body ?? {}),
    }),
  );
}

/** A tool call as the signed-in person (through the gateway's call wrapper): its structured result. */
export function callTool(name, args) {
  return postJson(`/ui/api/call/${encodeURIComponent(name)}`, args ?? {});
}
