import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { OperationOutcomeError } from './operation-outcome.error';

/** For resource servers without this server's global filter: the guard's errors become OperationOutcomes. */
@Catch(OperationOutcomeError)
export class OperationOutcomeFilter implements ExceptionFilter {
  catch(exception: OperationOutcomeError, host: ArgumentsHost): void {
    exception.respond(host.switchToHttp().getResponse<FastifyReply>());
  }
}
