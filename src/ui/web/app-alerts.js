import { alertList } from './alerts.js';
import { mcpApp } from './mcp-app.js';

mcpApp('tailwarden-alerts', (root, data) => root.replaceChildren(alertList(data)));
