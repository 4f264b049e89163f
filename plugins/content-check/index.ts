import { definePlugin, reject, requireApprovals, z, type PluginDelivery } from '../../src/plugin-system/public.ts';

/** Every piece of text a message carries, whatever its content type. */
function textsOf(content: unknown): string[] {
  const texts: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(content);
  return texts;
}

const URL_PATTERN = /\bhttps?:\/\/[^\s"'<>]+/gi;

/** Host of a URL, or null when it does not parse. */
function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** `example.com` allows `example.com` and its subdomains. */
function allowed(host: string, allowList: readonly string[]): boolean {
  return allowList.some((entry) => host === entry || host.endsWith(`.${entry}`));
}

/** What a delivery contains that the configuration flags. Exported for the plugin's unit tests. */
export function findings(delivery: Pick<PluginDelivery, 'title' | 'content'>, config: { bannedWords: string[]; allowedDomains: string[] | null }) {
  const texts = [delivery.title, ...textsOf(delivery.content)];
  const lower = texts.map((t) => t.toLowerCase());
  const words = config.bannedWords.filter((word) => lower.some((text) => text.includes(word.toLowerCase())));
  const urls = config.allowedDomains
    ? [...new Set(texts.flatMap((t) => t.match(URL_PATTERN) ?? []))].filter((url) => {
        const host = hostOf(url);
        return !host || !allowed(host, config.allowedDomains!.map((d) => d.toLowerCase()));
      })
    : [];
  return { words, urls };
}

/**
 * Banned words and a URL allow-list. A match either rejects the delivery
 * outright or asks for extra approvals, as configured; the reason names the
 * matched terms so the author knows what to change.
 */
export default definePlugin({
  id: 'content-check',
  version: '1.0.0',
  apiVersion: 1,
  description: 'Banned words and a URL allow-list: a match rejects the delivery or needs an extra approval',
  config: z.object({
    /** Matched case-insensitively anywhere in the title or the text of the message. */
    bannedWords: z.array(z.string().trim().min(1).max(100)).max(500).default([]),
    /** Domains links may point to (subdomains included); null: any link is fine. */
    allowedDomains: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(200).nullable().default(null),
    /** What a match does: refuse the delivery, or require approvals on top of the others. */
    onMatch: z.enum(['reject', 'requireApproval']).default('reject'),
    /** With `requireApproval`: how many approvals a flagged delivery needs. */
    approvals: z.number().int().min(1).max(5).default(1),
  }),
  policies: [
    {
      key: 'terms',
      appliesTo: ['BROADCAST', 'NARROWCAST', 'STEP', 'GREETING', 'AUTO_RESPONSE', 'API'],
      evaluate: (delivery, ctx) => {
        const found = findings(delivery, ctx.config);
        if (found.words.length === 0 && found.urls.length === 0) return;
        const parts = [
          ...(found.words.length ? [`banned words: ${found.words.join(', ')}`] : []),
          ...(found.urls.length ? [`links outside the allow-list: ${found.urls.join(', ')}`] : []),
        ];
        if (ctx.config.onMatch === 'reject') return reject(parts.join('; '), { matchedWords: found.words, matchedUrls: found.urls });
        return requireApprovals({ approvals: ctx.config.approvals, excludeAuthor: true, reason: `Flagged for review (${parts.join('; ')})` });
      },
    },
  ],
});
