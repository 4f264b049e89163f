import { builder } from '../../graphql/builder.ts';
import type { MessageContent } from './message-content.ts';

// Output: a union per content type. Input: a oneOf object, one key per type.

type Of<T extends MessageContent['type']> = Extract<MessageContent, { type: T }>;
type Media = Of<'image'> | Of<'video'> | Of<'file'>;

const TextContent = builder.objectRef<Of<'text'>>('TextContent').implement({
  fields: (t) => ({ text: t.exposeString('text') }),
});
const StickerContent = builder.objectRef<Of<'sticker'>>('StickerContent').implement({
  fields: (t) => ({ packageId: t.exposeString('packageId'), stickerId: t.exposeString('stickerId') }),
});
const MediaContent = builder.objectRef<Media>('MediaContent').implement({
  description: 'An image, video or file, by reference.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'image | video | file' }),
    url: t.exposeString('url'),
    sizeBytes: t.exposeInt('sizeBytes'),
    mimeType: t.exposeString('mimeType'),
    fileName: t.string({ nullable: true, resolve: (m) => m.fileName ?? null }),
  }),
});
const LocationContent = builder.objectRef<Of<'location'>>('LocationContent').implement({
  fields: (t) => ({
    title: t.exposeString('title'),
    address: t.exposeString('address'),
    latitude: t.exposeFloat('latitude'),
    longitude: t.exposeFloat('longitude'),
  }),
});
const CouponContent = builder.objectRef<Of<'coupon'>>('CouponContent').implement({
  fields: (t) => ({ couponId: t.exposeString('couponId'), title: t.exposeString('title') }),
});
const CardAction = builder.objectRef<{ label: string; url: string }>('CardAction').implement({
  fields: (t) => ({ label: t.exposeString('label'), url: t.exposeString('url') }),
});
const CardContent = builder.objectRef<Of<'card'>>('CardContent').implement({
  fields: (t) => ({
    title: t.exposeString('title'),
    body: t.string({ nullable: true, resolve: (c) => c.body ?? null }),
    imageUrl: t.string({ nullable: true, resolve: (c) => c.imageUrl ?? null }),
    actions: t.field({ type: [CardAction], resolve: (c) => c.actions }),
  }),
});

const BY_TYPE = {
  text: TextContent,
  sticker: StickerContent,
  image: MediaContent,
  video: MediaContent,
  file: MediaContent,
  location: LocationContent,
  coupon: CouponContent,
  card: CardContent,
} as const;

export const MessageContentUnion = builder.unionType('MessageContent', {
  types: [TextContent, StickerContent, MediaContent, LocationContent, CouponContent, CardContent],
  resolveType: (content) => BY_TYPE[(content as MessageContent).type].name,
});

const MediaInput = builder.inputType('MediaContentInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'https URL of the stored media.' }),
    sizeBytes: t.int({ required: true }),
    mimeType: t.string({ required: true }),
    fileName: t.string(),
  }),
});

export const MessageContentInput = builder.inputType('MessageContentInput', {
  isOneOf: true,
  description: 'Exactly one content type.',
  fields: (t) => ({
    text: t.string(),
    sticker: t.field({
      type: builder.inputType('StickerContentInput', {
        fields: (f) => ({ packageId: f.string({ required: true }), stickerId: f.string({ required: true }) }),
      }),
    }),
    image: t.field({ type: MediaInput }),
    video: t.field({ type: MediaInput }),
    file: t.field({ type: MediaInput }),
    location: t.field({
      type: builder.inputType('LocationContentInput', {
        fields: (f) => ({
          title: f.string({ required: true }),
          address: f.string({ required: true }),
          latitude: f.float({ required: true }),
          longitude: f.float({ required: true }),
        }),
      }),
    }),
    coupon: t.field({
      type: builder.inputType('CouponContentInput', {
        fields: (f) => ({ couponId: f.string({ required: true }), title: f.string({ required: true }) }),
      }),
    }),
    card: t.field({
      type: builder.inputType('CardContentInput', {
        fields: (f) => ({
          title: f.string({ required: true }),
          body: f.string(),
          imageUrl: f.string(),
          actions: f.field({
            type: [
              builder.inputType('CardActionInput', {
                fields: (a) => ({ label: a.string({ required: true }), url: a.string({ required: true }) }),
              }),
            ],
          }),
        }),
      }),
    }),
  }),
});
