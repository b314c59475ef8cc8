import { Module } from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config';
import { AppLogger } from './app-logger';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import pretty from 'pino-pretty';
import { ROUTES } from '../http/routes';

const REQUEST_LOG_LEVELS = new Set(['info', 'debug', 'trace']);

// Structured JSON request logs. URLs are logged without their query string (codes, tokens and state travel
// there) and credentials-bearing headers are redacted.
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Request logs are written at info; above that level the per-request middleware would only cost time.
        ...(REQUEST_LOG_LEVELS.has(config.logLevel) ? {} : { forRoutes: [] }),
        pinoHttp: withFormat(config, {
          level: config.logLevel,
          autoLogging: { ignore: (request: IncomingMessage) => request.url?.startsWith(ROUTES.health) ?? false },
          redact: {
            paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.headers["x-registration-token"]'],
            censor: '[redacted]',
          },
          serializers: {
            req: (request: { id: unknown; method: string; url: string; remoteAddress?: string; headers?: Record<string, unknown> }) => ({
              id: request.id,
              method: request.method,
              path: request.url.split('?')[0],
              remoteAddress: request.remoteAddress,
              userAgent: request.headers?.['user-agent'],
            }),
            res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
          },
        }),
      }),
    }),
  ],
  providers: [AppLogger],
  exports: [AppLogger],
})
export class LoggingModule {}

/**
 * JSON lines by default (for a log pipeline); in development on a terminal, short coloured lines for a person:
 * time, level, `[context]` and the message.
 */
function withFormat(config: AppConfig, options: Options): Options | [Options, DestinationStream] {
  if (config.logFormat !== 'pretty') return options;
  return [
    options,
    pretty({
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,req,res,responseTime,context',
      messageFormat: shortLine,
    }),
  ];
}

function shortLine(log: Record<string, unknown>, messageKey: string): string {
  const request = log.req as { method?: string; path?: string } | undefined;
  const response = log.res as { statusCode?: number } | undefined;
  if (request && response) return `${request.method} ${request.path} ${response.statusCode} ${log.responseTime} ms`;
  return `${typeof log.context === 'string' ? `[${log.context}] ` : ''}${String(log[messageKey] ?? '')}`;
}
