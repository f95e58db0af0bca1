// MCP Apps (ext-apps) view side: JSON-RPC over postMessage with the host. The view asks
// ui/initialize, says ui/notifications/initialized, and draws each tool result it is handed
// (ui/notifications/tool-result). It tells the host its size as it changes, and nothing else:
// the tool's text result stands on its own whether or not a host draws this view.

export function mcpApp(name, draw) {
  const root = document.getElementById('view');
  const send = (message) => window.parent.postMessage({ jsonrpc: '2.0', ...message }, '*');
  let lastHeight = 0;
  let ready = false;
  // The host hears about sizes only once it has answered ui/initialize.
  const tellSize = () => {
    if (!ready) return;
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height === lastHeight) return;
    lastHeight = height;
    send({
      method: 'ui/notifications/size-changed',
      params: { width: Math.ceil(document.documentElement.scrollWidth), height },
    });
  };
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    const m = event.data;
    if (m?.jsonrpc !== '2.0') return;
    if (m.id === 1 && m.result) {
      ready = true;
      send({ method: 'ui/notifications/initialized', params: {} });
    }
    if (m.id === 1 && m.error) root.textContent = 'The host refused this view.';
    if (m.method === 'ui/notifications/tool-result') {
      const data = m.params?.structuredContent;
      if (!data || typeof data !== 'object' || m.params?.isError) {
        root.textContent = 'The tool reported an error; its text result says why.';
      } else {
        root.className = '';
        draw(root, data);
      }
      tellSize();
    }
  });
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(tellSize).observe(document.documentElement);
  send({
    id: 1,
    method: 'ui/initialize',
    params: { appInfo: { name, version: '1' }, appCapabilities: {}, protocolVersion: '2026-01-26' },
  });
}
