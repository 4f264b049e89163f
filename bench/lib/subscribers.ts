// Parent side of S5's subscriber process: spawn it, ask, wait for the answer.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './children.ts';
import type { FromSubscribers, SubscriberSpec, SubscribersReport, ToSubscribers } from './subscribers-protocol.ts';

const ANSWER_TIMEOUT_MS = 120_000;

export type Subscribers = {
  /** Opens every socket; throws if any failed (with the first reason). */
  connect(specs: SubscriberSpec[]): Promise<void>;
  reset(): Promise<void>;
  report(): Promise<SubscribersReport>;
  /** Closes the sockets and ends the process. */
  stop(): Promise<void>;
};

export function startSubscribers(): Subscribers {
  const child: ChildProcess = fork(path.join(ROOT, 'bench/load/ws-subscribers.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));

  function ask<T extends FromSubscribers['type']>(message: ToSubscribers, answer: T): Promise<Extract<FromSubscribers, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (exited) return reject(new Error('the subscriber process exited'));
      const timer = setTimeout(() => finish(new Error(`subscribers: no "${answer}" within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
      const onMessage = (reply: FromSubscribers) => {
        if (reply.type === answer) finish(null, reply as Extract<FromSubscribers, { type: T }>);
      };
      const onExit = (code: number | null) => finish(new Error(`the subscriber process exited (code ${code})`));
      function finish(error: Error | null, reply?: Extract<FromSubscribers, { type: T }>) {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(reply!);
      }
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(message);
    });
  }

  return {
    async connect(subscribers) {
      const reply = await ask({ type: 'connect', subscribers }, 'connected');
      if (reply.failed > 0) throw new Error(`${reply.failed} of ${subscribers.length} subscribers failed to connect: ${reply.firstError}`);
    },
    async reset() {
      await ask({ type: 'reset' }, 'reset');
    },
    async report() {
      return (await ask({ type: 'report' }, 'report')).report;
    },
    async stop() {
      if (!exited) {
        await ask({ type: 'close' }, 'closed').catch(() => {});
        child.kill('SIGTERM');
      }
    },
  };
}
