import { createHmac } from 'node:crypto';
import { definePlugin, z, type AfterHookContext } from '../../src/plugin-system/public.ts';

/** Events the webhook can forward (those that have an after-commit hook). */
export const WEBHOOK_EVENTS = ['delivery.submitted', 'delivery.approved', 'delivery.rejected', 'delivery.sent', 'message.recalled', 'message.received'] as const;

// Plain http only to this machine (tests, a local relay): anything else would
// carry event data and the signature over the network in clear text.
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
function receivable(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
}

// Every key has a default (installing with {} must work): without a url the
// plugin posts nothing; a url needs a secret, so no event leaves unsigned.
const config = z
  .object({
    /** Where events are POSTed: https, or http to 127.0.0.1/localhost. Empty: post nothing. */
    url: z.string().refine((v) => v === '' || receivable(v), 'url must be https:// (plain http only to 127.0.0.1 or localhost)').default(''),
    /** HMAC key of the signature header. Write-only: never returned by the API. */
    secret: z.string().refine((v) => v === '' || v.length >= 16, 'secret must be at least 16 characters').default(''),
    /** Only these events; unset: all of them. */
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).optional(),
  })
  .refine((c) => c.url === '' || c.secret !== '', { message: 'a url needs a secret (at least 16 characters)', path: ['secret'] });
type Config = z.output<typeof config>;

/** The signature header's value: base64 HMAC-SHA256 of the raw body (like LINE's x-line-signature). */
export function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

/**
 * POSTs the event. Anything but a 2xx answer (or no answer) throws, so the
 * server retries with backoff: delivery is at least once, and receivers
 * de-duplicate by `id` (also in `x-dengon-event-id`).
 */
async function post(data: unknown, ctx: AfterHookContext<Config>): Promise<void> {
  if (ctx.config.url === '') return;
  if (ctx.config.events && !(ctx.config.events as readonly string[]).includes(ctx.event.type)) return;
  const body = JSON.stringify({ id: ctx.event.id, type: ctx.event.type, accountId: ctx.account.id, occurredAt: ctx.event.occurredAt, data });
  const response = await fetch(ctx.config.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Dengon-Webhook/1.0',
      'x-dengon-signature': sign(body, ctx.config.secret),
      'x-dengon-event-id': ctx.event.id,
    },
    body,
    signal: ctx.signal,
    // A redirect could lead the signed event anywhere: the admin configured one url.
    redirect: 'error',
  });
  // Drained so the connection can be reused; the receiver's text is not ours to record.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`the receiver answered HTTP ${response.status}`);
}

/** Forwards committed events to an HTTPS endpoint, signed with a shared secret. */
export default definePlugin({
  id: 'webhook',
  version: '1.0.0',
  apiVersion: 1,
  description: 'POSTs delivery and chat events to a URL, signed (x-dengon-signature), retried until the receiver takes them',
  config,
  secretKeys: ['secret'],
  hooks: {
    onSubmitted: post,
    onDecided: post,
    onSent: post,
    onRecalled: post,
    onMessageReceived: post,
  },
});
