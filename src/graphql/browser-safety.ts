// What a browser may do with the API: which origins may read answers (CORS),
// which requests may run at all (CSRF), and the headers every answer carries.
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../env.ts';

/** The header a browser cannot send cross-origin without a preflight (our CORS then decides). */
export const CSRF_HEADER = 'x-dengon-csrf';

/** yoga's `cors` option: CORS headers for allowlisted origins only; never a reflected origin. */
export function corsFor(config: Pick<Config, 'corsOrigins'>) {
  const allowed = new Set(config.corsOrigins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin)) return false as const;
    return { origin: [origin], credentials: true, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'accept', CSRF_HEADER], maxAge: 600 };
  };
}

// A form or a `fetch` with no-cors can send these without a preflight: they
// may reach us only with a header no form can set.
const JSON_TYPES = ['application/json', 'application/graphql-response+json'];

function refuse(fetchAPI: { Response: typeof Response }, status: number, code: string, message: string): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

/** CSRF prevention, security headers and, when configured off, no introspection. */
export function useBrowserSafety(config: Pick<Config, 'nodeEnv' | 'introspection'>): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (JSON_TYPES.includes(type) || request.headers.has(CSRF_HEADER)) return;
      endResponse(refuse(fetchAPI, 403, 'FORBIDDEN', `A POST that is not application/json needs the ${CSRF_HEADER} header.`));
    },
    onValidate({ addValidationRule }) {
      if (!config.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
    onResponse({ response }) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
      // GraphiQL (development only) is an HTML page that loads its scripts; API answers load nothing.
      if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) {
        response.headers.set('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
      }
      if (config.nodeEnv === 'production') response.headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
    },
  };
}
