import pino, { type DestinationStream, type Logger } from 'pino';

// Argument and header names whose values are credentials, wherever they sit
// in a log object (pino's `*` matches one level, so each depth is listed).
const SECRET_KEYS = ['authorization', 'cookie', 'password', 'token', 'secret', 'code', 'identityHash', 'variables', 'query'];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/**
 * What an error may put in the log: its class, message, stack and cause, but
 * never a GraphQL error's source document or nodes (they hold the request's
 * literals: an inline password), nor any other enumerable property.
 */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  if (error.name === 'GraphQLError') {
    const { originalError, path } = error as Error & { originalError?: unknown; path?: readonly (string | number)[] };
    const where = path ? { path: path.join('.') } : {};
    if (originalError && originalError !== error) return { ...errorForLog(originalError), ...where };
    return { type: error.name, message: error.message, ...where };
  }
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    stack: error.stack,
    ...(typeof code === 'string' || typeof code === 'number' ? { errorCode: code } : {}),
    ...(error.cause !== undefined ? { cause: errorForLog(error.cause) } : {}),
  };
}

/** The process logger. `destination` is for tests that read what was logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    serializers: { err: errorForLog },
    // Never log bearer tokens, passwords, codes or whole requests, whatever path they appear under.
    redact: { paths: [...REDACT_PATHS, 'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * yoga's logger on top of pino: errors go through `errorForLog` (yoga's own
 * `String(error)` would print the document around the error's location).
 */
export function yogaLogging(logger: Logger) {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) => {
    const error = args.find((arg) => arg instanceof Error);
    const text = args.filter((arg) => typeof arg === 'string').join(' ');
    if (error) logger[level]({ err: error }, text || 'unexpected error');
    else logger[level](text);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
