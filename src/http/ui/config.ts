import { bool, duration, int, section } from '../../config/fields.ts';

/** The web dashboard served at /ui (src/http/ui). */
export const dashboardConfig = section(
  {
    enabled: bool(true, {
      description:
        'Serve the web dashboard at /ui (and redirect / to it): overview, charts, containers, services, devices, alerts, approvals, audit — each shown only to callers whose permissions allow the matching tools.',
    }),
    session_lifetime: duration('8h', {
      description:
        'How long a dashboard sign-in lasts (the token or tailnet identity is re-checked on every request).',
    }),
    max_streams: int(
      64,
      { description: 'Live update streams (Server-Sent Events) open at once across all dashboards.' },
      1,
    ),
    max_streams_per_principal: int(
      8,
      {
        description: 'Live update streams one principal may hold open at once (one per open dashboard tab).',
      },
      1,
    ),
    refresh_every: duration('1m', {
      description:
        'Open dashboards are told of new history at most this often (alerts and approvals at once). Every refresh is a set of audited tool calls as the person looking, so a shorter interval means a larger audit log.',
    }),
    stream_lifetime: duration('30m', {
      description:
        'A live stream is ended after this long and the browser reconnects, so credentials are checked again and nothing lingers.',
    }),
  },
  'The web dashboard (docs/dashboard.md).',
);
