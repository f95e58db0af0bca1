/**
 * Well-known failure patterns the log analyzer recognises. Each rule names a
 * likely cause and a next step; `subject` pulls out what the finding is about
 * (a process, a unit, a source address) so findings can say "sshd from 10.0.0.7".
 *
 * Log lines are attacker-influenced text (a login name, a request path), so every expression here
 * must run in time linear in the line under V8's backtracking engine: no `.*` or unbounded class
 * between two parts (each occurrence of the first part would rescan the rest of the line; a line
 * of repeated "XFS " took quadratic time), captures bounded ({1,200}), and "A followed later by B"
 * written as `followedBy`, which looks for B once after the first A.
 */
export interface PatternRule {
  kind: string;
  title: string;
  /** A linear prefilter: a line can only match the rule if this matches. */
  test: RegExp;
  /** The rest of the rule, when `test` alone would need a `.*` (see followedBy). */
  confirm?: (message: string) => boolean;
  subject?: (match: RegExpExecArray, message: string) => string | undefined;
  likelyCause: string;
  suggestion: string;
}

const AUTH_SOURCE = /from (\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]{3,39})(?: port \d+)?/i;

/** True when `first` occurs and `then` occurs somewhere after its first occurrence (= `first.*then`, in one pass). */
export function followedBy(message: string, first: RegExp, then: RegExp): boolean {
  const at = first.exec(message);
  return at !== null && then.test(message.slice(at.index + at[0].length));
}

/** The unit after "Failed to start ", up to the end of its line, without a final full stop. */
function failedToStart(message: string): string | undefined {
  const at = message.indexOf('Failed to start ');
  if (at < 0) return undefined;
  const rest = message.slice(at + 'Failed to start '.length);
  const end = rest.indexOf('\n');
  const unit = (end < 0 ? rest : rest.slice(0, end)).replace(/\.$/, '');
  return unit || undefined;
}

export const PATTERN_RULES: readonly PatternRule[] = [
  {
    kind: 'oom_kill',
    title: 'Processes killed by the out-of-memory killer',
    test: /Out of memory: Kill(?:ed)? process \d{1,10} \(([^)]{1,200})\)|invoked oom-killer|oom-kill:|killed by the OOM killer|result 'oom-kill'|Memory cgroup out of memory|OOMKilled|oom_reaper/i,
    subject: (m, msg) =>
      m[1] ??
      /task=([^,\s]{1,200})/.exec(msg)?.[1] ??
      /^(\S{1,200}) invoked oom-killer/.exec(msg)?.[1] ??
      /^([\w@.:-]{1,200}\.(?:service|scope)):/.exec(msg)?.[1],
    likelyCause: 'The host or a cgroup ran out of memory and the kernel killed the largest process.',
    suggestion:
      'Check memory use with system_status and system_processes_top {"by":"memory"}; raise the memory limit or find the leak in the killed process.',
  },
  {
    kind: 'disk_full',
    title: 'Writes failing because a disk is full',
    test: /No space left on device|ENOSPC|Disk quota exceeded|disk (?:is )?full/i,
    likelyCause: 'A filesystem (or its inodes) is full, so writes fail.',
    suggestion:
      'Check system_status disks; look for large logs with files_list /var/log and old journals (journalctl --vacuum-size).',
  },
  {
    kind: 'auth_failures',
    title: 'Failed authentication attempts',
    test: /Failed password for|Failed publickey for|Invalid user \S{1,200} from|authentication failure|Connection closed by authenticating user|maximum authentication attempts exceeded/i,
    subject: (_m, msg) => AUTH_SOURCE.exec(msg)?.[1],
    likelyCause:
      'Password or key guessing against a login service (often SSH brute force), or a misconfigured client.',
    suggestion:
      'If the sources are unknown, restrict SSH to the tailnet, disable password logins, and consider fail2ban.',
  },
  {
    kind: 'segfault',
    title: 'Crashes (segmentation faults, core dumps)',
    test: /segfault at|Segmentation fault|SIGSEGV|status=11\/SEGV|general protection fault|core dumped|dumped core|code=dumped/i,
    subject: (_m, msg) =>
      /^(\S{1,200}?)\[\d{1,10}\]: segfault/.exec(msg)?.[1] ??
      /Process \d{1,10} \(([^)]{1,200})\)/.exec(msg)?.[1],
    likelyCause: 'A program crashed on invalid memory access: a bug, a bad build or plugin, or failing RAM.',
    suggestion:
      'Check coredumpctl for the crashing binary; update it; if many unrelated programs crash, test the RAM.',
  },
  {
    kind: 'restart_loop',
    title: 'A service keeps restarting',
    test: /Scheduled restart job, restart counter is at \d|Start request repeated too quickly|start-limit-hit|Back-off restarting failed container/i,
    subject: (_m, msg) => /^([\w@.:-]{1,200}\.(?:service|socket|timer|mount)):/.exec(msg)?.[1],
    likelyCause:
      'The service exits right after starting, so systemd restarts it until the start limit is hit.',
    suggestion:
      'Read the service log with system_service_logs for the lines just before each exit; fix the config and reset with a restart.',
  },
  {
    kind: 'service_failed',
    title: 'Services that failed',
    test: /Failed with result '[\w-]{1,100}'|entered failed state|Failed to start .|Main process exited, code=(?:exited|killed|dumped), status=[1-9]/i,
    subject: (_m, msg) =>
      /^([\w@.:-]{1,200}\.(?:service|socket|timer|mount)):/.exec(msg)?.[1] ?? failedToStart(msg),
    likelyCause: 'A unit exited with an error or could not start.',
    suggestion: 'Run system_service_status and system_service_logs for the unit to see why.',
  },
  {
    kind: 'too_many_open_files',
    title: 'Out of file descriptors',
    test: /Too many open files|EMFILE|ENFILE/i,
    likelyCause: 'A process reached its open-file limit (LimitNOFILE), often from a descriptor leak.',
    suggestion: 'Raise LimitNOFILE for the service or find the leak.',
  },
  {
    kind: 'io_error',
    title: 'Disk or filesystem I/O errors',
    test: /I\/O error|blk_update_request|EXT4-fs error|BTRFS error|medium error|XFS |ata\d/i,
    confirm: (msg) =>
      /I\/O error|blk_update_request|EXT4-fs error|BTRFS error|medium error/i.test(msg) ||
      followedBy(msg, /XFS /i, /error|corruption/i) ||
      followedBy(msg, /ata\d/i, /failed|error/i),
    likelyCause: 'The storage device or filesystem reports errors; the disk may be failing.',
    suggestion: 'Check SMART data (smartctl -a) and the filesystem; back up now.',
  },
  {
    kind: 'tls_errors',
    title: 'TLS certificate problems',
    test: /certificate (?:has )?expired|certificate verify failed|x509: certificate|unable to get local issuer certificate|SSL_ERROR|handshake failure/i,
    likelyCause: 'An expired, untrusted or mismatched certificate.',
    suggestion: 'Check the endpoint with net_tls_check and renew or fix the chain.',
  },
  {
    kind: 'dns_failures',
    title: 'Name resolution failures',
    test: /Temporary failure in name resolution|Name or service not known|EAI_AGAIN|SERVFAIL|could not resolve host/i,
    likelyCause: 'DNS is unreachable or misconfigured (resolv.conf, MagicDNS, the upstream resolver).',
    suggestion: 'Test with net_dns_lookup; check the resolver configuration.',
  },
  {
    kind: 'connection_refused',
    title: 'Connections refused',
    test: /Connection refused|ECONNREFUSED/i,
    likelyCause: 'A dependency (database, upstream, socket) is not listening.',
    suggestion: 'Check that the dependency runs (system_service_status) and listens (net_sockets).',
  },
  {
    kind: 'hung_task',
    title: 'Tasks blocked in the kernel',
    test: /blocked for more than \d{1,10} seconds|soft lockup|rcu_sched self-detected stall/i,
    likelyCause:
      'Processes stuck waiting on I/O or a kernel lock: slow or failing storage, or an overloaded host.',
    suggestion: 'Check disk health and I/O load; look at the stack traces that follow in the kernel log.',
  },
];
