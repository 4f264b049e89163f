// Starts each server under test as its own process, so servers do not share
// an event loop or a heap with each other or with the load generator.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromServer, Reply, ToServer } from './protocol.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Where BENCH_CPU_PROF profiles go (open them in Chrome DevTools or speedscope). */
export const PROFILE_DIR = path.join(ROOT, '.bench', 'profiles');

/**
 * Node flags that write CPU profiles of the child when it exits, one file per
 * thread (tsx's loader runs in its own thread: the main thread's file is the large one).
 */
export function cpuProfileArgs(name: string): string[] {
  return ['--cpu-prof', '--cpu-prof-dir', path.join(PROFILE_DIR, name)];
}

const START_TIMEOUT_MS = 60_000; // tsx compiles Dengon's schema on a cold cache
const STOP_GRACE_MS = 3_000;
const CALL_TIMEOUT_MS = 10_000;

export type ServerProcess = {
  name: string;
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  pid: number;
  /** Asks the child something over IPC (see protocol.ts). */
  call(message: { type: 'trace'; on: boolean } | { type: 'stats'; settle?: boolean }): Promise<Reply>;
  stop(): Promise<void>;
};

// Every child still running, so exit and signal handlers can reach them.
const live = new Set<ChildProcess>();

/** Last resort from process.on('exit'): only synchronous work is possible there. */
export function killAllSync(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child)));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(force);
      live.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Spawns `entry` (a .ts file relative to the project root) with tsx and waits
 * until it reports its port. The child listens on 127.0.0.1 port 0 (the OS
 * picks a free port) and exits by itself when this process goes away (IPC
 * disconnect), so a crashed run leaves no server behind.
 */
export function startServer(name: string, entry: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);

  let nextId = 1;
  const pending = new Map<number, (reply: Reply) => void>();
  child.on('message', (message: FromServer) => {
    if (message.type !== 'reply') return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });

  const call: ServerProcess['call'] = (message) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name}: no IPC reply to ${message.type} within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      child.send({ ...message, id } satisfies ToServer);
    });

  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void stopChild(child);
      reject(new Error(`${name} (${entry}) ${why}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    child.once('error', (error) => fail(`could not be spawned: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited before listening (code ${code}, signal ${signal})`));
    child.on('message', (message: FromServer) => {
      if (message.type !== 'listening') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (code !== 0 && signal !== 'SIGTERM') console.error(`! ${name} exited unexpectedly (code ${code}, signal ${signal})`);
      });
      resolve({
        name,
        origin: `http://127.0.0.1:${message.port}`,
        pid: child.pid ?? -1,
        call,
        stop: () => stopChild(child),
      });
    });
  });
}
