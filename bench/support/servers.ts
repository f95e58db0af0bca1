import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface Started {
  child: ChildProcess;
  port: number;
  pid: number;
  token?: string;
}

/** Start a bench server (bench/servers/NAME) in its own process; it announces its port (and token). */
export function spawnServer(script: string, nodeFlags: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [...nodeFlags, join(import.meta.dirname, '..', 'servers', script)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let token: string | undefined;
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = JSON.parse(buffered.slice(0, nl)) as { token?: string; port?: number; pid?: number };
        buffered = buffered.slice(nl + 1);
        if (line.token) token = line.token;
        if (line.port) resolve({ child, port: line.port, pid: line.pid!, token });
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}
