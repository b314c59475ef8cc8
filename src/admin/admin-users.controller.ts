import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Ip,
  NotFoundException,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { adminApi } from '../audit/audit.service';
import { UserEntity } from '../clients/user.entity';
import { EmailTakenError, InvalidUserError, UsernameTakenError, UsersService } from '../clients/users.service';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { adminUserView } from './admin-views';
import { CreateUserDto, ResetPasswordDto, UpdateUserDto } from './dto/user.dto';

@AdminRoute()
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a user (the password must meet the password policy and is stored as an argon2id hash)' })
  async create(@Body() dto: CreateUserDto, @Ip() ip: string): Promise<Record<string, unknown>> {
    const user = await this.guard(() =>
      this.users.create(
        {
          username: dto.username,
          password: dto.password,
          displayName: dto.display_name,
          fhirUser: dto.fhir_user,
          role: dto.role,
          restrictedToPatients: dto.restricted_to_patients ?? null,
          enabled: dto.enabled,
          email: dto.email ?? null,
        },
        adminApi(ip),
      ),
    );
    return adminUserView(user);
  }

  @Get()
  @ApiOperation({ summary: 'List users' })
  async list(): Promise<Array<Record<string, unknown>>> {
    return (await this.users.list()).map(adminUserView);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a user' })
  async read(@Param('id') id: string): Promise<Record<string, unknown>> {
    return adminUserView(this.found(await this.users.findById(id), id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a user' })
  async update(@Param('id') id: string, @Body() dto: UpdateUserDto, @Ip() ip: string): Promise<Record<string, unknown>> {
    const user = await this.guard(() =>
      this.users.update(
        id,
        {
          displayName: dto.display_name,
          fhirUser: dto.fhir_user,
          role: dto.role,
          restrictedToPatients: dto.restricted_to_patients,
          enabled: dto.enabled,
          email: dto.email,
        },
        adminApi(ip),
      ),
    );
    return adminUserView(this.found(user, id));
  }

  @Post(':id/reset-password')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set a new password, or generate one (returned once)' })
  async resetPassword(@Param('id') id: string, @Body() dto: ResetPasswordDto, @Ip() ip: string): Promise<Record<string, unknown>> {
    const result = await this.guard(() => this.users.resetPassword(id, dto?.password, adminApi(ip)));
    if (!result) throw new NotFoundException(`No user ${id}`);
    return { ...adminUserView(result.user), ...(dto?.password ? {} : { password: result.password }) };
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a user (they can no longer sign in)' })
  async disable(@Param('id') id: string, @Ip() ip: string): Promise<Record<string, unknown>> {
    return adminUserView(this.found(await this.users.disable(id, adminApi(ip)), id));
  }

  private found(user: UserEntity | null, id: string): UserEntity {
    if (!user) throw new NotFoundException(`No user ${id}`);
    return user;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof UsernameTakenError || error instanceof EmailTakenError) throw new ConflictException(error.message);
      if (error instanceof InvalidUserError) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
