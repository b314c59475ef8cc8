import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from './admin-token.guard';

/**
 * Marks a controller as part of the admin API (guard, OpenAPI tag and bearer auth). Other modules add admin
 * endpoints (e.g. `GET /admin/audit`) with `@Controller('admin/…') @AdminRoute()` on their own controller.
 */
export function AdminRoute(): ClassDecorator & MethodDecorator {
  return applyDecorators(UseGuards(AdminTokenGuard), ApiBearerAuth(), ApiTags('admin'));
}
