/**
 * The task life cycle of the fake Proxmox API. A call that starts work answers
 * a UPID (`UPID:node:PID:PSTART:STARTTIME:type:id:user:`, upper-case hex as
 * pve-common's PVE::UPID::encode writes it); the task then advances ONE log
 * line per status read — time is not modelled, so tests are deterministic —
 * and ends with "TASK OK" or "TASK ERROR: …" in its log and as exitstatus. Its
 * effect (a guest starts, a snapshot appears) is applied when it ends well.
 * A held task does not advance until released or stopped (DELETE), which ends
 * it with "interrupted by signal" and no effect.
 */
export interface FakeTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  /** USER@REALM (a token's tasks carry tokenid separately in task lists). */
  user: string;
  tokenid?: string;
  starttime: number;
  endtime?: number;
  log: string[];
  pending: string[];
  status: 'running' | 'stopped';
  exitstatus?: string;
  held: boolean;
  effect: () => void;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

export class FakeTasks {
  readonly tasks = new Map<string, FakeTask>();
  /** New tasks stay running until released (for cancellation and progress tests). */
  holdNew = false;
  /** The next task of a matching type fails with this message instead of applying its effect. */
  failNext: { type: RegExp; message: string } | undefined;
  /** Tasks that were stopped with DELETE. */
  readonly stopped: string[] = [];
  private pid = 0x1000;

  start(node: string, type: string, id: string, authid: string, lines: string[], effect: () => void): string {
    const [user, tokenid] = authid.split('!') as [string, string | undefined];
    const starttime = Math.floor(Date.now() / 1000);
    this.pid += 1;
    const upid = `UPID:${node}:${hex8(this.pid)}:${hex8(this.pid * 7)}:${hex8(starttime)}:${type}:${id}:${authid}:`;
    const [first, ...rest] = lines.length ? lines : [`starting ${type} ${id}`];
    this.tasks.set(upid, {
      upid,
      node,
      type,
      id,
      user,
      tokenid,
      starttime,
      log: [first!],
      pending: rest,
      status: 'running',
      held: this.holdNew,
      effect,
    });
    return upid;
  }

  /** One step: the next log line, or the end of the task. */
  advance(task: FakeTask): void {
    if (task.status !== 'running' || task.held) return;
    const next = task.pending.shift();
    if (next !== undefined) {
      task.log.push(next);
      return;
    }
    let error: string | undefined;
    if (this.failNext?.type.test(task.type)) {
      error = this.failNext.message;
      this.failNext = undefined;
    } else {
      try {
        task.effect();
      } catch (e) {
        error = (e as Error).message;
      }
    }
    this.end(task, error);
  }

  end(task: FakeTask, error?: string): void {
    task.status = 'stopped';
    task.endtime = Math.floor(Date.now() / 1000);
    task.exitstatus = error ?? 'OK';
    task.log.push(error ? `TASK ERROR: ${error}` : 'TASK OK');
  }

  stop(task: FakeTask): void {
    this.stopped.push(task.upid);
    if (task.status === 'running') this.end(task, 'interrupted by signal');
  }

  /** Let held tasks run on. */
  release(): void {
    this.holdNew = false;
    for (const task of this.tasks.values()) task.held = false;
  }

  running(): FakeTask[] {
    return [...this.tasks.values()].filter((t) => t.status === 'running');
  }
}
