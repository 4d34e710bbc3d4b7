// Messages between the extension host and the breakdown page, validated on both sides (zod).
import { z } from 'zod';

export const ComponentRowSchema = z.object({
  name: z.string(),
  label: z.string(),
  bytes: z.number().nonnegative(),
  formula: z.string(),
  pool: z.enum(['allocator', 'managed', 'driver']),
});

export const PanelDataSchema = z.object({
  file: z.string(),
  summary: z.string(),
  model: z.string().nullable(),
  gpuName: z.string(),
  gpuCount: z.number().int().positive(),
  usableBytes: z.number().positive(),
  requiredBytes: z.number().nonnegative().nullable(),
  verdict: z.enum(['fits', 'tight', 'oom', 'unknown']),
  phase: z.string().nullable(),
  components: z.array(ComponentRowSchema),
  fields: z.array(z.object({ name: z.string(), value: z.string(), origin: z.enum(['read', 'defaulted', 'assumed']), reason: z.string(), line: z.number().int().nonnegative().nullable() })),
  message: z.string().nullable(),
});
export type PanelData = z.infer<typeof PanelDataSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('report'), data: PanelDataSchema })]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const PageMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('revealLine'), line: z.number().int().nonnegative() }),
]);
export type PageMessage = z.infer<typeof PageMessageSchema>;
