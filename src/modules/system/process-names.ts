import { basename } from 'node:path';

/**
 * A process's name is its executable (argv[0], as `ps` and `top -c` show it), not
 * its comm: comm is the main thread's name, which programs rename (Python and
 * Node set "MainThread" and the like). The thread name is given too when it is
 * more than the executable's name cut to comm's 15 characters. Without argv
 * (kernel threads, zombies) the name is comm.
 */
export function processNames(argv0: string, comm: string): { name: string; thread_name?: string } {
  const executable = argv0.split(' ')[0]?.replace(/:$/, '') ?? '';
  const thread = comm.trim();
  const name = executable ? basename(executable) : thread;
  return thread && thread !== name.slice(0, 15) ? { name, thread_name: thread } : { name };
}
