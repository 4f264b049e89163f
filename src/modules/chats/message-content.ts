import { z } from 'zod';
import { MAX_CARD_ACTIONS, MAX_MEDIA_BYTES, MAX_TEXT_LENGTH, MAX_URL_LENGTH } from '../../limits.ts';
import { boundedText } from '../validate.ts';

// Message content: one zod schema per content type, discriminated by `type`.
// Media travel by reference (URL, size, mime), never as bytes.

const httpsUrl = z
  .string()
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .pipe(z.url({ protocol: /^https$/, error: 'must be an https URL' }));

const media = <T extends 'image' | 'video' | 'file'>(type: T, mime: RegExp) =>
  z.object({
    type: z.literal(type),
    url: httpsUrl,
    sizeBytes: z
      .number()
      .int()
      .min(1, 'must be at least 1 byte')
      .max(MAX_MEDIA_BYTES[type], `must be at most ${MAX_MEDIA_BYTES[type]} bytes`),
    mimeType: z.string().regex(mime, `is not an accepted ${type} type`),
    fileName: boundedText(255).optional(),
  });

export const MessageContent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('text'),
    text: z.string().trim().min(1, 'must not be empty').max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`),
  }),
  z.object({ type: z.literal('sticker'), packageId: boundedText(50), stickerId: boundedText(50) }),
  media('image', /^image\/(jpeg|png|gif|webp)$/),
  media('video', /^video\/(mp4|quicktime|webm)$/),
  media('file', /^[a-z]+\/[a-z0-9.+-]+$/),
  z.object({
    type: z.literal('location'),
    title: boundedText(100),
    address: boundedText(200),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
  }),
  z.object({ type: z.literal('coupon'), couponId: boundedText(100), title: boundedText(100) }),
  z.object({
    type: z.literal('card'),
    title: boundedText(100),
    body: boundedText(500).optional(),
    imageUrl: httpsUrl.optional(),
    actions: z
      .array(z.object({ label: boundedText(20), url: httpsUrl }))
      .max(MAX_CARD_ACTIONS, `must have at most ${MAX_CARD_ACTIONS} actions`)
      .default([]),
  }),
]);

export type MessageContent = z.output<typeof MessageContent>;
export type ContentType = MessageContent['type'];

/**
 * The GraphQL input is a oneOf object ({ text: "…" } or { image: {…} } …);
 * this turns it into the tagged shape zod validates. More or fewer than one
 * member is refused by GraphQL itself.
 */
export function fromContentInput(input: Record<string, unknown>): unknown {
  const [type, value] = Object.entries(input).find(([, v]) => v != null) ?? [];
  if (type === 'text') return { type, text: value };
  if (typeof value !== 'object' || value === null) return { type };
  // GraphQL gives omitted optional fields as null; the domain schema wants them absent.
  return { type, ...Object.fromEntries(Object.entries(value).filter(([, v]) => v != null)) };
}
