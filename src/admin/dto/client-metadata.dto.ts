import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_SIGNED_TOKEN_LIFETIME_SECONDS } from '../../keys/keys.service';

const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** RFC 7591 metadata names, plus the server-side policy only an administrator sets. */
export class ClientMetadataDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  client_name?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  redirect_uris?: string[];

  @ApiPropertyOptional({ enum: AUTH_METHODS })
  @IsOptional()
  @IsIn(AUTH_METHODS)
  token_endpoint_auth_method?: string;

  @ApiPropertyOptional({
    type: [String],
    description:
      'client_credentials stands alone and may use private_key_jwt, client_secret_basic or client_secret_post (dynamic registration: private_key_jwt only)',
  })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  grant_types?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  response_types?: string[];

  @ApiPropertyOptional({ description: 'Allowed scopes (space separated); for backend services the pre-authorized system/ scopes' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  scope?: string;

  @ApiPropertyOptional({ description: 'JWK Set with public keys (private_key_jwt)' })
  @IsOptional()
  @IsObject()
  jwks?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  jwks_uri?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  launch_url?: string;

  @ApiPropertyOptional({ description: `Access token lifetime in seconds (at most ${MAX_SIGNED_TOKEN_LIFETIME_SECONDS})` })
  @IsOptional()
  @IsInt()
  @Min(30)
  @Max(MAX_SIGNED_TOKEN_LIFETIME_SECONDS)
  access_token_ttl?: number;

  @ApiPropertyOptional({ description: 'Refresh token lifetime in seconds' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(5 * 365 * 24 * 3600)
  refresh_token_ttl?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  allow_refresh_tokens?: boolean;

  @ApiPropertyOptional({ description: 'May create EHR launch contexts (POST /launch)' })
  @IsOptional()
  @IsBoolean()
  may_create_launch_contexts?: boolean;

  @ApiPropertyOptional({ description: 'May introspect tokens issued to other clients' })
  @IsOptional()
  @IsBoolean()
  may_introspect_any_token?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: 'Reviewed by an operator (operator-created clients are; dynamically registered ones start unverified)',
  })
  @IsOptional()
  @IsBoolean()
  verified?: boolean;
}

export class CreateClientDto extends ClientMetadataDto {
  @ApiPropertyOptional({ description: 'A fixed client_id; random when omitted' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._~-]{3,100}$/, { message: 'client_id may contain letters, digits and . _ ~ - (3 to 100 characters)' })
  client_id?: string;
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'Seconds the previous secret stays valid (default 86400)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 3600)
  overlap_seconds?: number;
}

export class CreateInitialAccessTokenDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ description: 'Consumed by its first registration (default true)' })
  @IsOptional()
  @IsBoolean()
  single_use?: boolean;

  @ApiPropertyOptional({ description: 'Lifetime in seconds; no expiry when omitted' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(365 * 24 * 3600)
  expires_in?: number;

  @ApiPropertyOptional({
    description:
      'Scope ceiling of clients registered with this token, e.g. "system/Patient.rs system/Observation.rs" (required for a backend service to register)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  scope?: string;
}
