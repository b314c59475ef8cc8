import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../app.module';
import { AppConfig } from '../config/app-config';
import { resolveDatabase } from '../database/database-url';
import { fastifyOptions } from '../fastify-options';

/**
 * Boots the application against the same database main.ts would use, runs `work`, and shuts down. It is
 * initialised with its HTTP adapter (some modules register Fastify hooks on init) but never listens.
 */
export async function withApplication<T>(work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const config = new AppConfig(process.env);
  const database = await resolveDatabase(config);
  try {
    const app = await NestFactory.create(AppModule.forRoot(database.url), new FastifyAdapter(fastifyOptions()), {
      logger: false,
      abortOnError: false,
    });
    try {
      await app.init();
      return await work(app);
    } finally {
      await app.close();
    }
  } finally {
    await database.embedded?.stop();
  }
}
