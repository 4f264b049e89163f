import { seedDemo } from './demo.ts';
import { loadConfig } from './env.ts';
import { createRuntime } from './runtime.ts';
import { listen } from './server.ts';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = await createRuntime({ config });
  const { deps, yoga } = runtime;
  const { logger } = deps;
  if (process.argv.includes('--demo')) console.log(await seedDemo(deps));

  // HTTP and graphql-ws share the port and the path.
  const listening = await listen(yoga, deps, { host: config.host, port: config.port });
  const { server, url } = listening;
  // Plain text for the person who just typed `npm start`; logs stay JSON.
  console.log(`Dengon is serving GraphQL${config.nodeEnv === 'production' ? '' : ' (GraphiQL in the browser)'} at ${url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests, then closing the database`);
    // Subscribers reconnect elsewhere (1001 Going Away); they hold no request open.
    await listening.closeWebSockets();
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    // close() stops accepting and resolves when in-flight requests are done.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await runtime.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
