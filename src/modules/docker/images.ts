import { z } from 'zod';
import { formatArg } from '../../mcp/format.ts';
import { knownNumber } from '../../util/placeholders.ts';
import { dockerTool } from './context.ts';
import { engineCall, inspectImage } from './engine.ts';
import { checkImageRef, checkLabelFilter } from './names.ts';
import { pullImage, withTag } from './pull.ts';

const imageRef = z.string().min(1).max(300).describe('Image reference (name:tag, name@digest) or id');

const imageRow = z.object({
  id: z.string(),
  tags: z.array(z.string()),
  size_bytes: z.number(),
  created: z.string(),
  containers: z
    .number()
    .int()
    .nullable()
    .describe('Containers using it (absent when the engine does not say)'),
  dangling: z.boolean(),
});

export const imageList = dockerTool({
  name: 'docker_image_list',
  title: 'Docker: List images',
  description: 'Images on this engine with tags, size, age and whether they are dangling (untagged).',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({
    dangling: z.boolean().optional().describe('Only dangling (true) or only tagged (false) images'),
    reference: z
      .string()
      .max(300)
      .optional()
      .describe('Only images matching this reference, e.g. "nginx" or "nginx:1.*"'),
    format: formatArg,
  }),
  output: z.object({ images: z.array(imageRow), count: z.number().int(), total_size_bytes: z.number() }),
  handler: async ({ dangling, reference }, ctx) => {
    const filters: Record<string, string[]> = {};
    if (dangling !== undefined) filters.dangling = [String(dangling)];
    if (reference) filters.reference = [reference];
    const list = await engineCall(ctx, 'list images', (e) =>
      e.listImages({ filters, abortSignal: ctx.signal }),
    );
    const images = list
      .map((i) => {
        const tags = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
        return {
          id: i.Id.replace(/^sha256:/, '').slice(0, 12),
          tags,
          size_bytes: i.Size,
          created: new Date(i.Created * 1000).toISOString(),
          containers: knownNumber(i.Containers),
          dangling: tags.length === 0,
        };
      })
      .sort((a, b) => b.created.localeCompare(a.created));
    return { images, count: images.length, total_size_bytes: images.reduce((n, i) => n + i.size_bytes, 0) };
  },
});

export const imageInspect = dockerTool({
  name: 'docker_image_inspect',
  title: 'Docker: Inspect image',
  description:
    'Details of one image: tags, digests, created, size, platform, default command, environment (secret values masked unless you hold secrets:read), exposed ports, labels, layer count.',
  permission: 'docker:read',
  risk: 'low',
  input: z.object({ image: imageRef }),
  output: z.object({
    id: z.string(),
    tags: z.array(z.string()),
    digests: z.array(z.string()),
    created: z.string(),
    size_bytes: z.number(),
    os: z.string(),
    architecture: z.string(),
    command: z.array(z.string()),
    entrypoint: z.array(z.string()),
    env: z.array(z.string()),
    exposed_ports: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
    layers: z.number().int(),
  }),
  handler: async ({ image }, ctx) => {
    const info = await inspectImage(ctx, image);
    const asList = (v: unknown) => (v == null ? [] : Array.isArray(v) ? (v as string[]) : [String(v)]);
    return {
      id: info.Id,
      tags: info.RepoTags ?? [],
      digests: info.RepoDigests ?? [],
      created: info.Created,
      size_bytes: info.Size,
      os: info.Os,
      architecture: info.Architecture,
      command: asList(info.Config?.Cmd),
      entrypoint: asList(info.Config?.Entrypoint),
      env: info.Config?.Env ?? [],
      exposed_ports: Object.keys(info.Config?.ExposedPorts ?? {}),
      labels: info.Config?.Labels ?? {},
      layers: info.RootFS?.Layers?.length ?? 0,
    };
  },
});

export const imagePull = dockerTool({
  name: 'docker_image_pull',
  title: 'Docker: Pull image',
  description:
    'Pull an image from its registry (tag defaults to latest), reporting layer progress. Says clearly whether the registry was unreachable or has no such image.',
  permission: 'docker:admin',
  risk: 'critical',
  openWorld: true,
  idempotent: true,
  input: z.object({
    image: z
      .string()
      .min(1)
      .max(300)
      .regex(/^[^\s-][^\s]*$/, 'an image reference has no spaces and does not start with "-"')
      .describe('Image reference, e.g. nginx:1.27 or ghcr.io/owner/app:tag'),
  }),
  output: z.object({ image: z.string(), id: z.string(), status: z.string() }),
  summarize: ({ image }) => `Pull the image "${withTag(image)}" from its registry.`,
  validate: ({ image }) => void checkImageRef(image),
  handler: async ({ image }, ctx) => {
    const status = await pullImage(ctx, image);
    const info = await inspectImage(ctx, withTag(image));
    return { image: withTag(image), id: info.Id, status };
  },
});

export const imageRemove = dockerTool({
  name: 'docker_image_remove',
  title: 'Docker: Remove image',
  description:
    'Remove an image (or just one of its tags). Refused while a container uses it unless force is true.',
  permission: 'docker:admin',
  risk: 'critical',
  input: z.object({
    image: imageRef,
    force: z.boolean().default(false).describe('Remove even if containers use it'),
  }),
  output: z.object({ untagged: z.array(z.string()), deleted: z.array(z.string()) }),
  summarize: ({ image, force }) => `Remove the image "${image}"${force ? ' even if containers use it' : ''}.`,
  validate: ({ image }) => void checkImageRef(image),
  handler: async ({ image, force }, ctx) => {
    const info = await inspectImage(ctx, image);
    const target = /^(sha256:)?[0-9a-f]{12,64}$/.test(image) ? info.Id : image;
    const result = (await engineCall(ctx, `remove image ${image}`, (e) =>
      e.getImage(target).remove({ force, abortSignal: ctx.signal }),
    )) as { Untagged?: string; Deleted?: string }[];
    return {
      untagged: result.flatMap((r) => (r.Untagged ? [r.Untagged] : [])),
      deleted: result.flatMap((r) => (r.Deleted ? [r.Deleted] : [])),
    };
  },
});

export const imagePrune = dockerTool({
  name: 'docker_image_prune',
  title: 'Docker: Prune dangling images',
  description: 'Remove every dangling (untagged, unused) image and report the space reclaimed.',
  permission: 'docker:admin',
  risk: 'critical',
  idempotent: true,
  input: z.object({
    label: z
      .array(z.string().min(1).max(300))
      .max(10)
      .optional()
      .describe('Only dangling images with these labels ("key" or "key=value")'),
  }),
  output: z.object({ deleted: z.array(z.string()), reclaimed_bytes: z.number() }),
  summarize: ({ label }) =>
    `Remove every dangling image on this Docker engine${label?.length ? ` labelled ${label.join(', ')}` : ''}.`,
  validate: ({ label }) => {
    for (const l of label ?? []) checkLabelFilter(l);
  },
  handler: async ({ label }, ctx) => {
    const filters: Record<string, string[]> = { dangling: ['true'] };
    if (label?.length) filters.label = label;
    const result = await engineCall(ctx, 'prune images', (e) =>
      e.pruneImages({ filters, abortSignal: ctx.signal }),
    );
    return {
      deleted: (result.ImagesDeleted ?? []).flatMap((r) => (r.Deleted ? [r.Deleted] : [])),
      reclaimed_bytes: result.SpaceReclaimed ?? 0,
    };
  },
});
