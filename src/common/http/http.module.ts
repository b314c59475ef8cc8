import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyInstance } from 'fastify';
import { CorsPolicy } from './cors-policy';
import { registerJsonBodyParser } from './json-body.parser';

@Module({ providers: [CorsPolicy], exports: [CorsPolicy] })
export class HttpModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  // Nest has registered its body parsers by now (before any onModuleInit); its JSON one is replaced by the
  // depth-checked parser. No HTTP adapter in a bare application context (CLI).
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerJsonBodyParser(fastify, 'application/json');
  }
}
