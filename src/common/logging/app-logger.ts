import { Injectable } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

// Nest announces every module it wires and every route it maps (over a hundred lines) at the log level; they help
// when debugging wiring and routing and bury the useful lines otherwise, so they are written at debug.
const WIRING_CONTEXTS = new Set(['RouterExplorer', 'RoutesResolver', 'InstanceLoader']);

@Injectable()
export class AppLogger extends Logger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && WIRING_CONTEXTS.has(context)) super.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }
}
