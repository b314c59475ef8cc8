import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { InitialAccessTokensService } from '../clients/initial-access-tokens.service';
import { KeysService } from '../keys/keys.service';
import { AdminRoute } from '../common/admin-auth/admin-route.decorator';
import { CreateInitialAccessTokenDto } from './dto/client-metadata.dto';

@AdminRoute()
@Controller('admin')
export class AdminOperationsController {
  constructor(
    private readonly initialAccessTokens: InitialAccessTokensService,
    private readonly keys: KeysService,
  ) {}

  @Post('initial-access-tokens')
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue an initial access token for protected dynamic registration (RFC 7591 §3); shown once' })
  async createInitialAccessToken(@Body() dto: CreateInitialAccessTokenDto): Promise<Record<string, unknown>> {
    const issued = await this.initialAccessTokens.issue({
      description: dto?.description,
      singleUse: dto?.single_use,
      expiresInSeconds: dto?.expires_in,
      scope: dto?.scope,
    });
    return {
      initial_access_token: issued.token,
      id: issued.id,
      single_use: issued.singleUse,
      scope: issued.scope,
      expires_at: issued.expiresAt?.toISOString() ?? null,
    };
  }

  @Post('keys/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the signing keys; retired keys stay published until their tokens expire' })
  async rotateKeys(): Promise<Record<string, unknown>> {
    return { kids: await this.keys.rotate() };
  }
}
