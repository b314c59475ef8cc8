import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { SMART_CONTEXT_PROPERTY, SmartContext as SmartContextValue } from './smart-context';

/** The verified token's SMART context; set by FhirScopeGuard. */
export const SmartContext = createParamDecorator((_data: unknown, context: ExecutionContext): SmartContextValue => {
  const request = context.switchToHttp().getRequest<Record<string, unknown>>();
  return request[SMART_CONTEXT_PROPERTY] as SmartContextValue;
});
