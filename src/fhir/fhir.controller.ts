import { Controller, Delete, Get, Inject, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { ANY_TYPE, FROM_ROUTE, OperationOutcomeError, RequiresFhirAccess, SmartContext, SmartContextValue } from '../fhir-auth';
import { FhirBatchService } from './fhir-batch.service';
import { isStrict, queryOf, searchParametersOf, sendFhir } from './fhir-request';
import { FHIR_BACKEND, FhirBackend } from './fhir-response';
import { jsonSafetyProblem, MAX_JSON_DEPTH } from './validation/json-safety';
import { ROUTES } from '../common/http/routes';

// FHIR R4 RESTful API (http.html). Each route declares the SMART interaction letter it needs (SMART App Launch 2.2
// §Scopes for requesting FHIR Resources); the global FhirScopeGuard enforces it, the backend confines the data to the
// token's compartment and scopes.
@ApiTags('fhir')
@ApiBearerAuth()
@Controller(ROUTES.fhir)
export class FhirController {
  constructor(
    @Inject(FHIR_BACKEND) private readonly backend: FhirBackend,
    private readonly batch: FhirBatchService,
  ) {}

  @Post()
  @RequiresFhirAccess(ANY_TYPE, 'per-entry')
  async batchOrTransaction(
    @SmartContext() context: SmartContextValue,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.batch.process(context, storable(request.body)));
  }

  @Get('_history')
  @RequiresFhirAccess(ANY_TYPE, 's')
  async systemHistory(
    @SmartContext() context: SmartContextValue,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.history(context, undefined, undefined, queryOf(request)));
  }

  // Bulk Data export is outside this server (501, advertised nowhere); only system/ scopes may even ask
  // (SMART Backend Services), so other tokens get 401/403 first.
  @Get(['$export', ':type/$export', ':type/:id/$export'])
  @RequiresFhirAccess(ANY_TYPE, 's', ['system'])
  exportUnsupported(): never {
    throw new OperationOutcomeError(501, 'not-supported', 'Bulk Data $export is not supported by this server');
  }

  @Get(':type')
  @RequiresFhirAccess(FROM_ROUTE, 's')
  async search(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.search(context, type, queryOf(request), isStrict(request)));
  }

  @Post(':type/_search')
  @RequiresFhirAccess(FROM_ROUTE, 's')
  async searchByPost(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.search(context, type, searchParametersOf(request), isStrict(request)));
  }

  @Get(':type/_history')
  @RequiresFhirAccess(FROM_ROUTE, 's')
  async typeHistory(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.history(context, type, undefined, queryOf(request)));
  }

  @Post(':type')
  @RequiresFhirAccess(FROM_ROUTE, 'c')
  async create(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.create(context, type, requireObject(storable(request.body))));
  }

  @Get(':type/:id')
  @RequiresFhirAccess(FROM_ROUTE, 'r')
  async read(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.read(context, type, id));
  }

  @Get(':type/:id/_history')
  @RequiresFhirAccess(FROM_ROUTE, 'r')
  async instanceHistory(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.history(context, type, id, queryOf(request)));
  }

  @Get(':type/:id/_history/:versionId')
  @RequiresFhirAccess(FROM_ROUTE, 'r')
  async vread(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Param('id') id: string,
    @Param('versionId') versionId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.vread(context, type, id, versionId));
  }

  @Put(':type/:id')
  @RequiresFhirAccess(FROM_ROUTE, 'u')
  async update(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.update(context, type, id, requireObject(storable(request.body))));
  }

  @Patch(':type/:id')
  @RequiresFhirAccess(FROM_ROUTE, 'u')
  async patch(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!/^application\/json-patch\+json/i.test(String(request.headers['content-type'] ?? ''))) {
      throw new OperationOutcomeError(415, 'not-supported', 'PATCH needs Content-Type application/json-patch+json (RFC 6902)');
    }
    if (!Array.isArray(request.body)) throw OperationOutcomeError.invalid('A JSON Patch document is an array of operations');
    sendFhir(reply, await this.backend.patch(context, type, id, storable(request.body) as unknown[]));
  }

  @Delete(':type/:id')
  @RequiresFhirAccess(FROM_ROUTE, 'd')
  async delete(
    @SmartContext() context: SmartContextValue,
    @Param('type') type: string,
    @Param('id') id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    sendFhir(reply, await this.backend.delete(context, type, id));
  }
}

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw OperationOutcomeError.invalid('The body must be a FHIR resource (JSON object)');
  return body as Record<string, unknown>;
}

// Before any backend walks a write body (PostgreSQL jsonb refuses NUL; deep recursion overflows the stack): NUL, lone
// surrogates and very deep nesting are 400. The margin lets a resource of the full depth sit inside a Bundle entry or a
// JSON Patch operation.
function storable(body: unknown): unknown {
  const problem = jsonSafetyProblem(body, MAX_JSON_DEPTH + 8);
  if (problem) throw OperationOutcomeError.invalid(problem);
  return body;
}
