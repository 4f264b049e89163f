// Abuse limits on a GraphQL request, all refused with a typed code and a 4xx:
// size before parsing, then graphql-armor's shape limits (depth, aliases,
// tokens, directives, cost) during parsing and validation.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_DOCUMENT_BYTES, MAX_REQUEST_BYTES } from '../limits.ts';

/**
 * graphql-armor's refusals, each with a stable code (listed in src/errors.ts).
 * `spec: true` gives HTTP 400 under `Accept: application/graphql-response+json`
 * and 200 under `application/json`, as the GraphQL-over-HTTP spec asks.
 */
function refuseAs(code: string) {
  return [
    (_context: unknown, error: GraphQLError) => {
      // armor labels every refusal "Syntax Error:", which it is not.
      error.message = error.message.replace(/^Syntax Error: /, '');
      Object.assign(error.extensions as Record<string, unknown>, { code, http: { status: 400, spec: true } });
    },
  ];
}

/**
 * Generous for real frontends, tight enough that one request cannot ask for
 * millions of rows. The cost limit is set from the screens we serve: a chat
 * screen of 50 messages with sender, three content types and the friend's tags
 * costs ~18,000 (armor's cost grows ×1.5 per level and ignores page sizes), and
 * every operation in the README passes (test/integration/request-limits.test.ts
 * holds both sides).
 */
export const ARMOR = {
  maxDepth: { n: 12, onReject: refuseAs('QUERY_TOO_DEEP') },
  maxAliases: { n: 15, onReject: refuseAs('TOO_MANY_ALIASES') },
  maxTokens: { n: 2_000, onReject: refuseAs('TOO_MANY_TOKENS') },
  maxDirectives: { n: 20, onReject: refuseAs('TOO_MANY_DIRECTIVES') },
  costLimit: { maxCost: 50_000, onReject: refuseAs('QUERY_TOO_COSTLY') },
};

function tooLarge(what: string, limit: number): GraphQLError {
  return new GraphQLError(`The ${what} is larger than ${limit} bytes.`, {
    extensions: { code: 'DOCUMENT_TOO_LARGE', limit, http: { status: 413 } },
  });
}

/** UTF-8 length, without encoding the string when its length alone settles it. */
function overBytes(text: string, limit: number): boolean {
  return text.length > limit || (text.length * 3 > limit && Buffer.byteLength(text) > limit);
}

/**
 * Refuses oversized requests before anything is parsed: the body by its
 * declared length (HTTP), the document before the GraphQL lexer sees it
 * (HTTP and WebSocket both parse through yoga's envelop). Comments count:
 * they cost the lexer as much as fields do.
 */
export function useRequestSizeLimits(): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > MAX_REQUEST_BYTES) {
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message: tooLarge('request body', MAX_REQUEST_BYTES).message, extensions: { code: 'DOCUMENT_TOO_LARGE', limit: MAX_REQUEST_BYTES } }] }), {
            status: 413,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          }),
        );
      }
    },
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (overBytes(source, MAX_DOCUMENT_BYTES)) throw tooLarge('GraphQL document', MAX_DOCUMENT_BYTES);
    },
  };
}
