import { el } from './dom.js';
import { fleetCards } from './fleet.js';
import { mcpApp } from './mcp-app.js';

mcpApp('tailwarden-fleet', (root, data) =>
  root.replaceChildren(el('div', { class: 'cards' }, fleetCards(data))),
);
