import { getJson } from './api.js';
import { destroyChart } from './chart.js';
import { el } from './dom.js';
import { alertsView } from './view-alerts.js';
import { chartsView } from './view-charts.js';
import { containersView, devicesView, servicesView } from './view-lists.js';
import { overviewView } from './view-overview.js';
import { approvalsView, auditView } from './view-records.js';

// The dashboard: one page, a menu of the views this person may see, each drawn from tool
// results fetched as them. A live stream (Server-Sent Events) says when something changed;
// the view on screen is then fetched again — one refresh at a time, none for hidden views.

const TITLES = {
  overview: 'Overview',
  charts: 'Charts',
  containers: 'Containers',
  services: 'Services',
  devices: 'Devices',
  alerts: 'Alerts',
  approvals: 'Approvals',
  audit: 'Audit',
};
const DRAW = {
  overview: overviewView,
  charts: chartsView,
  containers: containersView,
  services: servicesView,
  devices: devicesView,
  alerts: alertsView,
  approvals: approvalsView,
  audit: auditView,
};
// Which live notices each view cares about.
const TOPICS = {
  overview: ['watch', 'alerts', 'approvals'],
  charts: ['watch'],
  containers: ['watch'],
  services: ['watch'],
  devices: ['watch'],
  alerts: ['alerts'],
  approvals: ['approvals'],
  audit: [],
};

let me;
let current;
let running = false;
let again = false;
const main = () => document.getElementById('main');

function say(text) {
  const flash =
    document.getElementById('flash') ??
    el('p', { id: 'flash', class: 'flash', role: 'status', 'aria-live': 'polite' });
  flash.textContent = text;
  main().prepend(flash);
}

function viewOfPath() {
  const name = location.pathname.replace(/^\/ui\/?/, '') || 'overview';
  return me.views.includes(name) ? name : me.views[0];
}

async function draw() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  const root = main();
  const flash = document.getElementById('flash')?.textContent;
  try {
    const box = el('div', { class: 'view', 'data-view': current });
    await DRAW[current](box, me, draw, say);
    destroyChart(root.querySelector('.chart') ?? root);
    root.replaceChildren(box);
    if (flash) say(flash);
    root.setAttribute('aria-busy', 'false');
    document.body.dataset.drawn = current;
  } catch (error) {
    root.replaceChildren(
      el('h1', { text: TITLES[current] }),
      el('p', { class: 'note error', role: 'alert', text: error.message }),
    );
    document.body.dataset.drawn = current;
  } finally {
    running = false;
    if (again) {
      again = false;
      draw();
    }
  }
}

function navigate(view, push) {
  current = view;
  if (push) history.pushState({}, '', `/ui/${view}`);
  document.title = `${TITLES[view]} · tailwarden`;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.getElementById('flash')?.remove();
  main().setAttribute('aria-busy', 'true');
  delete document.body.dataset.drawn;
  draw().then(() => main().focus({ preventScroll: true }));
}

function live() {
  const status = document.getElementById('live');
  const source = new EventSource('/ui/events');
  source.addEventListener('hello', () => {
    status.textContent = 'live';
  });
  source.addEventListener('change', (event) => {
    const { topic } = JSON.parse(event.data);
    if (!document.hidden && TOPICS[current].includes(topic)) draw();
  });
  source.onerror = () => {
    status.textContent = 'reconnecting…';
  };
}

async function start() {
  me = await getJson('/ui/api/me');
  const nav = document.getElementById('nav');
  nav.replaceChildren(
    ...me.views.map((view) =>
      el(
        'li',
        {},
        el('a', {
          href: `/ui/${view}`,
          'data-view': view,
          text: TITLES[view],
          onclick: (e) => {
            if (e.ctrlKey || e.metaKey || e.shiftKey) return;
            e.preventDefault();
            navigate(view, true);
          },
        }),
      ),
    ),
  );
  if (me.views.length === 0) {
    main().replaceChildren(el('p', { class: 'note', text: 'Your permissions show no views here.' }));
    return;
  }
  window.addEventListener('popstate', () => navigate(viewOfPath(), false));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) draw();
  });
  navigate(viewOfPath(), false);
  live();
}

start().catch((error) => {
  main().replaceChildren(el('p', { class: 'note error', role: 'alert', text: error.message }));
});
