import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';

/** What a Fastify adapter is built with in the tests (Express takes its settings from app.set). */
export interface AdapterOptions {
  trustProxy?: boolean;
}

/** One of Nest's HTTP platforms the module serves: its name (in test titles) and how to build its adapter. */
export interface Platform {
  name: 'express' | 'fastify';
  createAdapter(options?: AdapterOptions): AbstractHttpAdapter;
}

export const EXPRESS: Platform = { name: 'express', createAdapter: () => new ExpressAdapter() };
export const FASTIFY: Platform = { name: 'fastify', createAdapter: (options = {}) => new FastifyAdapter(options) };

/** Every platform: a suite that runs on each is `describe.each(PLATFORMS)('… on $name', (platform) => …)`. */
export const PLATFORMS: Platform[] = [EXPRESS, FASTIFY];
