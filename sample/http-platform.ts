import type { AbstractHttpAdapter } from '@nestjs/core';

/** The HTTP platforms the sample runs on (`PLATFORM=fastify npm run sample`; Express by default). */
export type SamplePlatform = 'express' | 'fastify';

/** The platform PLATFORM names, checked. */
export function samplePlatform(name = process.env.PLATFORM ?? 'express'): SamplePlatform {
  if (name === 'express' || name === 'fastify') return name;
  throw new Error(`PLATFORM must be "express" or "fastify", not "${name}"`);
}

/** A new Nest HTTP adapter of the platform; each package is loaded only when chosen. */
export async function createSampleHttpAdapter(platform: SamplePlatform): Promise<AbstractHttpAdapter> {
  if (platform === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    return new FastifyAdapter();
  }
  const { ExpressAdapter } = await import('@nestjs/platform-express');
  return new ExpressAdapter();
}
