import { containerTable } from './containers.js';
import { mcpApp } from './mcp-app.js';

mcpApp('tailwarden-containers', (root, data) => root.replaceChildren(containerTable(data)));
