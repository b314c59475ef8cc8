'use strict';

// The framework ceiling: NestJS 11 on Fastify with one JSON route and nothing else (no database, no
// logging, no helmet). Usage: node bench/ceiling/bare-nest-server.js <port>
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

class BareController {
  get() {
    return { status: 'ok' };
  }
}
Controller('bare')(BareController);
Get()(BareController.prototype, 'get', Object.getOwnPropertyDescriptor(BareController.prototype, 'get'));

class BareModule {}
Module({ controllers: [BareController] })(BareModule);

async function main() {
  const port = Number(process.argv[2]);
  const app = await NestFactory.create(BareModule, new FastifyAdapter(), { logger: false });
  await app.listen(port, '127.0.0.1');
  const stop = () => app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
