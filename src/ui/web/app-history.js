import { historyChart } from './chart.js';
import { mcpApp } from './mcp-app.js';

mcpApp('tailwarden-history-chart', (root, data) => historyChart(root, data));
