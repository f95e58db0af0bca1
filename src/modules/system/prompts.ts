import { z } from 'zod';
import { aside, definePrompt, step } from '../../mcp/prompt.ts';

export const healthCheck = definePrompt({
  name: 'health_check',
  title: 'Health check of this host',
  description:
    'Walk through status, failed units, top processes, logs and network, and report what needs attention.',
  requires: ['system_status'],
  args: z.object({
    focus: z.string().optional().describe('Something to look at especially, e.g. "disk" or "memory"'),
  }),
  render: ({ focus }) => [
    'Check the health of this host with the tailwarden tools, then report briefly.',
    step(
      'system_status',
      'Call system_status. Note every entry in `warnings`, disks above 80 %, memory used above 80 %, and load average against the core count.',
    ),
    step(
      ['system_services_failed', 'system_service_status'],
      'Call system_services_failed; for each failed unit call system_service_status {"unit": "<name>"}.',
    ),
    step(
      'system_processes_top',
      'Call system_processes_top with {"by": "cpu", "limit": 5} and again with {"by": "memory", "limit": 5}; name any process that dominates.',
    ),
    step(
      'system_logs_analyze',
      'Call system_logs_analyze {"since": "24h ago", "priority": "warning"} and read its findings.',
    ),
    step(
      'system_network_io',
      'Call system_network_io and mention interfaces with errors or unusual throughput.',
    ),
    focus && `Pay particular attention to: ${focus}.`,
    'Finish with: overall state (healthy / needs attention / critical), the findings in order of urgency, and a concrete next step for each.',
  ],
});

export const securityAudit = definePrompt({
  name: 'security_audit',
  title: 'Security audit of this host',
  description: 'Review exposed ports, login failures, pending security updates and risky services.',
  requires: ['system_logs_analyze'],
  args: z.object({}),
  render: () => [
    'Audit the security of this host with the tailwarden tools. Do not change anything; recommend.',
    step(
      'net_sockets',
      'Call net_sockets {"kind": "listening"}. List every port bound to 0.0.0.0 or :: (reachable from the LAN) and the process behind it; ports bound to 127.0.0.1 or the tailnet address (100.x) are less exposed.',
    ),
    step(
      'system_logs_analyze',
      'Call system_logs_analyze {"identifier": "sshd", "since": "7d ago"} and look for an auth_failures finding: its count, peak_per_minute and source addresses.',
    ),
    step(
      'system_packages_check',
      'Call system_packages_check {"refresh": true}; report security_count and the security updates by name.',
    ),
    step(
      'system_services_list',
      'Call system_services_list {"state": "running"} and flag services that should not run on a homelab host (telnet, ftp, rpcbind without NFS, ...).',
    ),
    step(
      ['files_list', 'files_tail'],
      'Call files_list {"path": "/var/log"} and files_tail on auth.log if it exists, for anything odd.',
    ),
    'Report the findings by severity, each with the evidence and the concrete fix (which tool, or which config).',
  ],
});

export const troubleshootService = definePrompt({
  name: 'troubleshoot_service',
  title: 'Troubleshoot a service',
  description: 'Find out why a systemd service is failing or misbehaving.',
  requires: ['system_service_status'],
  args: z.object({ unit: z.string().describe('The unit, e.g. "nginx"') }),
  render: ({ unit }) => [
    `Find out why the service ${unit} is failing or misbehaving, with the tailwarden tools.`,
    step(
      'system_service_status',
      `Call system_service_status {"unit": "${unit}", "log_lines": 30}: active state, since when, restarts, result.`,
    ),
    step(
      'system_logs_analyze',
      `Call system_logs_analyze {"unit": "${unit}", "since": "24h ago"}: look at findings (restart_loop, oom_kill, disk_full, segfault) and the top error messages.`,
    ),
    step(
      'system_service_logs',
      `Call system_service_logs {"unit": "${unit}", "priority": "warning", "lines": 100} for the exact errors around the last failure.`,
    ),
    step(
      ['net_sockets', 'net_tcp_check'],
      'If the errors mention a port, call net_sockets {"kind": "listening", "port": <port>} to see who holds it; if they mention a dependency, check it with net_tcp_check.',
    ),
    step('system_status', 'Call system_status for disk and memory pressure.'),
    'Explain the root cause with the evidence, and propose the fix.',
    aside(
      'system_service_restart',
      `Restarting is system_service_restart {"unit": "${unit}"} (it asks for confirmation) — only suggest it once the cause is addressed.`,
    ),
  ],
});

export const investigateHighUsage = definePrompt({
  name: 'investigate_high_usage',
  title: 'Investigate high resource usage',
  description: 'Find what is using the CPU, memory, disk or network.',
  requires: ['system_processes_top'],
  args: z.object({
    resource: z.string().optional().describe('cpu, memory, disk or network (default: find out)'),
  }),
  render: ({ resource }) => [
    `Find what is using ${resource ?? 'the most resources'} on this host, with the tailwarden tools.`,
    step('system_status', 'Call system_status: CPU usage, load average, memory used and pressure, disks.'),
    step(
      'system_processes_top',
      'Call system_processes_top {"by": "cpu", "limit": 10} and {"by": "memory", "limit": 10}.',
    ),
    step(
      ['files_list', 'system_logs_analyze'],
      'For disk: call files_list {"path": "/var/log"} and look for large files; system_logs_analyze can show a log flood (top_messages).',
    ),
    step(
      ['system_network_io', 'net_sockets'],
      'For network: call system_network_io and net_sockets {"kind": "established"} to see who talks to whom.',
    ),
    step('system_service_status', 'If one service stands out, call system_service_status for it.'),
    'Report the culprit, how sure you are, and what to do (with the tool to use).',
  ],
});

export const networkAudit = definePrompt({
  name: 'network_audit',
  title: 'Network audit',
  description: 'Check listening ports, certificates, DNS and reachability of the services on this host.',
  requires: ['net_sockets'],
  args: z.object({ domain: z.string().optional().describe('A name whose certificate and DNS to check') }),
  render: ({ domain }) => [
    'Audit the network side of this host with the tailwarden tools.',
    step(
      'net_sockets',
      'Call net_sockets {"kind": "listening"} and group the ports by process; note anything listening on all interfaces.',
    ),
    step(
      'system_network_interfaces',
      'Call system_network_interfaces for the addresses (the tailscale0 interface has the 100.x address).',
    ),
    step(
      'net_tls_check',
      'For each HTTPS port found, call net_tls_check {"host": "<address or name>", "port": <port>} and note days_left and whether the chain verifies.',
    ),
    domain &&
      step(
        ['net_dns_lookup', 'net_tls_check'],
        `Call net_dns_lookup {"name": "${domain}", "type": "A"} and net_tls_check {"host": "${domain}"}.`,
      ),
    step('net_http_probe', 'Call net_http_probe on web ports to confirm they answer.'),
    'Report: exposed services, certificates expiring within 30 days, DNS problems, and recommended changes.',
  ],
});

export const setupInventory = definePrompt({
  name: 'setup_inventory',
  title: 'Set up the inventory of this host',
  description: 'Scan what runs here, confirm it with the user, and record notes and corrections.',
  requires: ['inventory_scan'],
  args: z.object({}),
  render: () => [
    'Build the inventory of this host with the tailwarden tools.',
    step(
      ['inventory_identity', 'inventory_identity_set'],
      'Call inventory_identity; if the display name is just the hostname, ask the user for a better one and set it with inventory_identity_set.',
    ),
    step('inventory_scan', 'Call inventory_scan. Present the recognised apps, then the items with no app.'),
    step(
      'inventory_annotate',
      'Ask the user what the unrecognised services, ports and containers are; record answers with inventory_annotate {"id": "<id>", "app": "<app>", "note": "<what it is for>"}.',
    ),
    step(
      'inventory_annotate',
      'Hide noise (e.g. system helpers) with inventory_annotate {"id": "<id>", "hidden": true} when the user agrees.',
    ),
    'Finish with a short table: app, how it runs (unit / container / port), note.',
  ],
});

export const planUpdates = definePrompt({
  name: 'plan_updates',
  title: 'Plan package updates',
  description: 'Check pending updates, judge the risk, and propose a safe order.',
  requires: ['system_packages_check'],
  args: z.object({}),
  render: () => [
    'Plan the package updates of this host with the tailwarden tools. Do not upgrade without the user saying so.',
    step(
      'system_packages_check',
      'Call system_packages_check {"refresh": true}. Separate security updates from the rest.',
    ),
    step(
      [],
      'Flag updates that restart important services (kernel, libc, openssh-server, docker, database servers) and need a maintenance window or a reboot.',
    ),
    step(
      'system_status',
      'Call system_status for free disk space (an upgrade needs room in /var/cache/apt).',
    ),
    step([], 'Propose: security updates now, the rest later; and which services to check afterwards.'),
    aside(
      ['system_packages_upgrade', 'system_services_failed'],
      'If the user agrees, run system_packages_upgrade (critical: it needs approval) and then system_services_failed to verify.',
    ),
  ],
});

export const systemPrompts = [
  healthCheck,
  securityAudit,
  troubleshootService,
  investigateHighUsage,
  networkAudit,
  setupInventory,
  planUpdates,
];
