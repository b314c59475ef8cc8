import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Ip,
  NotFoundException,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { adminApi } from '../audit/audit.service';
import { InvalidResourceServerError } from './resource-server-settings';
import { CreateResourceServerDto, UpdateResourceServerDto } from './resource-server.dto';
import { ResourceServerEntity } from './resource-server.entity';
import { resourceServerView } from './resource-server.view';
import { ResourceServersService, ResourceServerTakenError } from './resource-servers.service';

@AdminRoute()
@Controller('admin/resource-servers')
export class AdminResourceServersController {
  constructor(private readonly servers: ResourceServersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a resource server: tokens for it carry its audience and at most its scopes (RFC 8707)' })
  async create(@Body() dto: CreateResourceServerDto, @Ip() ip: string): Promise<Record<string, unknown>> {
    const server = await this.guard(() =>
      this.servers.create({ baseUrl: dto.base_url, audience: dto.audience, scope: dto.scope, enabled: dto.enabled }, adminApi(ip)),
    );
    return resourceServerView(server);
  }

  @Get()
  @ApiOperation({ summary: 'List resource servers' })
  async list(): Promise<Array<Record<string, unknown>>> {
    return (await this.servers.list()).map(resourceServerView);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a resource server' })
  async read(@Param('id') id: string): Promise<Record<string, unknown>> {
    return resourceServerView(this.found(await this.servers.findById(id), id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a resource server (only the fields sent change; tokens already issued keep their audience)' })
  async update(@Param('id') id: string, @Body() dto: UpdateResourceServerDto, @Ip() ip: string): Promise<Record<string, unknown>> {
    const server = await this.guard(() =>
      this.servers.update(id, { baseUrl: dto.base_url, audience: dto.audience, scope: dto.scope, enabled: dto.enabled }, adminApi(ip)),
    );
    return resourceServerView(this.found(server, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a resource server: no new token names it and its refresh tokens stop refreshing' })
  async remove(@Param('id') id: string, @Ip() ip: string): Promise<void> {
    if (!(await this.servers.remove(id, adminApi(ip)))) throw new NotFoundException(`No resource server ${id}`);
  }

  private found(server: ResourceServerEntity | null, id: string): ResourceServerEntity {
    if (!server) throw new NotFoundException(`No resource server ${id}`);
    return server;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ResourceServerTakenError) throw new ConflictException(error.message);
      if (error instanceof InvalidResourceServerError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
