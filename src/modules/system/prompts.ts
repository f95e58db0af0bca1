import { z } from 'zod';
import { definePrompt } from '../../mcp/prompt.ts';

const lines = (...parts: (string | false | undefined)[]) => parts.filter(Boolean).join('\n');

export const healthCheck = definePrompt({
  name: 'health_check',
  title: 'Health check of this host',
  description:
    'Walk through status, failed units, top processes, logs and network, and report what needs attention.',
  permission: 'system:read',
  args: z.object({
    focus: z.string().optional().describe('Something to look at especially, e.g. "disk" or "memory"'),
  }),
  render: ({ focus }) =>
    lines(
      'Check the health of this host with the tailwarden tools, then report briefly.',
      '1. Call system_status. Note every entry in `warnings`, disks above 80 %, memory used above 80 %, and load average against the core count.',
      '2. Call system_services_failed; for each failed unit call system_service_status {"unit": "<name>"}.',
      '3. Call system_processes_top with {"by": "cpu", "limit": 5} and again with {"by": "memory", "limit": 5}; name any process that dominates.',
      '4. Call system_logs_analyze {"since": "24h ago", "priority": "warning"} and read its findings.',
      '5. Call system_network_io and mention interfaces with errors or unusual throughput.',
      focus && `Pay particular attention to: ${focus}.`,
      'Finish with: overall state (healthy / needs attention / critical), the findings in order of urgency, and a concrete next step for each.',
    ),
});

export const securityAudit = definePrompt({
  name: 'security_audit',
  title: 'Security audit of this host',
  description: 'Review exposed ports, login failures, pending security updates and risky services.',
  permission: 'system:read',
  args: z.object({}),
  render: () =>
    lines(
      'Audit the security of this host with the tailwarden tools. Do not change anything; recommend.',
      '1. Call net_sockets {"kind": "listening"}. List every port bound to 0.0.0.0 or :: (reachable from the LAN) and the process behind it; ports bound to 127.0.0.1 or the tailnet address (100.x) are less exposed.',
      '2. Call system_logs_analyze {"identifier": "sshd", "since": "7d ago"} and look for an auth_failures finding: its count, peak_per_minute and source addresses.',
      '3. Call system_packages_check {"refresh": true}; report security_count and the security updates by name.',
      '4. Call system_services_list {"state": "running"} and flag services that should not run on a homelab host (telnet, ftp, rpcbind without NFS, ...).',
      '5. Call files_list {"path": "/var/log"} and files_tail on auth.log if it exists, for anything odd.',
      'Report the findings by severity, each with the evidence and the concrete fix (which tool, or which config).',
    ),
});

export const troubleshootService = definePrompt({
  name: 'troubleshoot_service',
  title: 'Troubleshoot a service',
  description: 'Find out why a systemd service is failing or misbehaving.',
  permission: 'system:read',
  args: z.object({ unit: z.string().describe('The unit, e.g. "nginx"') }),
  render: ({ unit }) =>
    lines(
      `Find out why the service ${unit} is failing or misbehaving, with the tailwarden tools.`,
      `1. Call system_service_status {"unit": "${unit}", "log_lines": 30}: active state, since when, restarts, result.`,
      `2. Call system_logs_analyze {"unit": "${unit}", "since": "24h ago"}: look at findings (restart_loop, oom_kill, disk_full, segfault) and the top error messages.`,
      `3. Call system_service_logs {"unit": "${unit}", "priority": "warning", "lines": 100} for the exact errors around the last failure.`,
      '4. If the errors mention a port, call net_sockets {"kind": "listening", "port": <port>} to see who holds it; if they mention a dependency, check it with net_tcp_check.',
      '5. Call system_status for disk and memory pressure.',
      `Explain the root cause with the evidence. Propose the fix; restarting is system_service_restart {"unit": "${unit}"} (it asks for confirmation) — only suggest it once the cause is addressed.`,
    ),
});

export const investigateHighUsage = definePrompt({
  name: 'investigate_high_usage',
  title: 'Investigate high resource usage',
  description: 'Find what is using the CPU, memory, disk or network.',
  permission: 'system:read',
  args: z.object({
    resource: z.string().optional().describe('cpu, memory, disk or network (default: find out)'),
  }),
  render: ({ resource }) =>
    lines(
      `Find what is using ${resource ?? 'the most resources'} on this host, with the tailwarden tools.`,
      '1. Call system_status: CPU usage, load average, memory used and pressure, disks.',
      '2. Call system_processes_top {"by": "cpu", "limit": 10} and {"by": "memory", "limit": 10}.',
      '3. For disk: call files_list {"path": "/var/log"} and look for large files; system_logs_analyze can show a log flood (top_messages).',
      '4. For network: call system_network_io and net_sockets {"kind": "established"} to see who talks to whom.',
      '5. If one service stands out, call system_service_status for it.',
      'Report the culprit, how sure you are, and what to do (with the tool to use).',
    ),
});

export const networkAudit = definePrompt({
  name: 'network_audit',
  title: 'Network audit',
  description: 'Check listening ports, certificates, DNS and reachability of the services on this host.',
  permission: 'network:diag',
  args: z.object({ domain: z.string().optional().describe('A name whose certificate and DNS to check') }),
  render: ({ domain }) =>
    lines(
      'Audit the network side of this host with the tailwarden tools.',
      '1. Call net_sockets {"kind": "listening"} and group the ports by process; note anything listening on all interfaces.',
      '2. Call system_network_interfaces for the addresses (the tailscale0 interface has the 100.x address).',
      '3. For each HTTPS port found, call net_tls_check {"host": "<address or name>", "port": <port>} and note days_left and whether the chain verifies.',
      domain &&
        `4. Call net_dns_lookup {"name": "${domain}", "type": "A"} and net_tls_check {"host": "${domain}"}.`,
      '5. Call net_http_probe on web ports to confirm they answer.',
      'Report: exposed services, certificates expiring within 30 days, DNS problems, and recommended changes.',
    ),
});

export const setupInventory = definePrompt({
  name: 'setup_inventory',
  title: 'Set up the inventory of this host',
  description: 'Scan what runs here, confirm it with the user, and record notes and corrections.',
  permission: 'system:read',
  args: z.object({}),
  render: () =>
    lines(
      'Build the inventory of this host with the tailwarden tools.',
      '1. Call inventory_identity; if the display name is just the hostname, ask the user for a better one and set it with inventory_identity_set.',
      '2. Call inventory_scan. Present the recognised apps, then the items with no app.',
      '3. Ask the user what the unrecognised services, ports and containers are; record answers with inventory_annotate {"id": "<id>", "app": "<app>", "note": "<what it is for>"}.',
      '4. Hide noise (e.g. system helpers) with inventory_annotate {"id": "<id>", "hidden": true} when the user agrees.',
      'Finish with a short table: app, how it runs (unit / container / port), note.',
    ),
});

export const planUpdates = definePrompt({
  name: 'plan_updates',
  title: 'Plan package updates',
  description: 'Check pending updates, judge the risk, and propose a safe order.',
  permission: 'system:read',
  args: z.object({}),
  render: () =>
    lines(
      'Plan the package updates of this host with the tailwarden tools. Do not upgrade without the user saying so.',
      '1. Call system_packages_check {"refresh": true}. Separate security updates from the rest.',
      '2. Flag updates that restart important services (kernel, libc, openssh-server, docker, database servers) and need a maintenance window or a reboot.',
      '3. Call system_status for free disk space (an upgrade needs room in /var/cache/apt).',
      '4. Propose: security updates now, the rest later; and which services to check afterwards.',
      'If the user agrees, run system_packages_upgrade (critical: it needs approval) and then system_services_failed to verify.',
    ),
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
