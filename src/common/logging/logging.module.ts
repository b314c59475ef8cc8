import { Module } from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config';

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
        pinoHttp: {
          level: config.logLevel,
          autoLogging: { ignore: (request: IncomingMessage) => request.url?.startsWith('/health') ?? false },
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
        },
      }),
    }),
  ],
})
export class LoggingModule {}
