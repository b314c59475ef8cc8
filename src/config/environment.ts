import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';

const DURATION = /^\s*\d{1,9}\s*[smhd]?\s*$/;
const DURATION_MESSAGE = 'must be a duration such as 60s, 15m, 1h or 90d';

// The raw environment, validated once at boot. Names are the operator-facing variable names.
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_URL?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  EMBEDDED_POSTGRES_DIR?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DATABASE_STATEMENT_TIMEOUT?: number;

  @IsOptional()
  @Matches(DURATION, { message: `ACCESS_TOKEN_TTL ${DURATION_MESSAGE}` })
  ACCESS_TOKEN_TTL?: string;

  @IsOptional()
  @Matches(DURATION, { message: `REFRESH_TOKEN_TTL ${DURATION_MESSAGE}` })
  REFRESH_TOKEN_TTL?: string;

  @IsOptional()
  @Matches(DURATION, { message: `AUTHORIZATION_CODE_TTL ${DURATION_MESSAGE}` })
  AUTHORIZATION_CODE_TTL?: string;

  @IsOptional()
  @Matches(DURATION, { message: `BACKEND_TOKEN_TTL ${DURATION_MESSAGE}` })
  BACKEND_TOKEN_TTL?: string;

  @IsOptional()
  @Matches(DURATION, { message: `REFRESH_TOKEN_REUSE_GRACE ${DURATION_MESSAGE}` })
  REFRESH_TOKEN_REUSE_GRACE?: string;

  @IsOptional()
  @Matches(DURATION, { message: `LOGIN_SESSION_TTL ${DURATION_MESSAGE}` })
  LOGIN_SESSION_TTL?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'ADMIN_TOKEN must be at least 32 characters' })
  ADMIN_TOKEN?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'KEY_ENCRYPTION_SECRET must be at least 32 characters' })
  KEY_ENCRYPTION_SECRET?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'COOKIE_SECRET must be at least 32 characters' })
  COOKIE_SECRET?: string;

  @IsOptional()
  @IsIn(['open', 'protected', 'closed'])
  REGISTRATION_POLICY?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  REGISTRATION_RATE_LIMIT?: number;

  @IsOptional()
  @Matches(DURATION, { message: `REGISTRATION_RATE_WINDOW ${DURATION_MESSAGE}` })
  REGISTRATION_RATE_WINDOW?: string;

  @IsOptional()
  @IsIn(['ES256', 'RS256'])
  ACCESS_TOKEN_SIGNING_ALG?: string;

  @IsOptional()
  @IsIn(['async', 'sync'])
  JTI_COMMIT?: string;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  SEED_DEMO_DATA?: string;

  @IsOptional()
  @IsString()
  CORS_ALLOWED_ORIGINS?: string;

  @IsOptional()
  @IsString()
  FRAME_ANCESTORS?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  FHIR_UPSTREAM_URL?: string;

  @IsOptional()
  @Matches(DURATION, { message: `FHIR_UPSTREAM_TIMEOUT ${DURATION_MESSAGE}` })
  FHIR_UPSTREAM_TIMEOUT?: string;

  @IsOptional()
  @Matches(DURATION, { message: `REQUEST_TIMEOUT ${DURATION_MESSAGE}` })
  REQUEST_TIMEOUT?: string;

  @IsOptional()
  @IsString()
  FHIR_UPSTREAM_AUTHORIZATION?: string;

  @IsOptional()
  @IsString()
  SMART_ASSOCIATED_ENDPOINTS?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  DEMO_PAGES?: string;

  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  OUTBOUND_ALLOW_PRIVATE_NETWORKS?: string;

  @IsOptional()
  @IsIn(['true', 'false'])
  OUTBOUND_ALLOW_HTTP_LOOPBACK?: string;

  @IsOptional()
  @IsString()
  MFA_REQUIRED_ROLES?: string;
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s/?#]+(\/?)(\?[^\s#]*)?$/, {
    message: 'SMTP_URL must be an smtp:// or smtps:// URL such as smtps://user:password@mail.example.org',
  })
  SMTP_URL?: string;

  @IsOptional()
  @IsString()
  @MaxLength(320)
  @Matches(/^[^\r\n]*@[^\r\n]*$/, { message: 'MAIL_FROM must be an address such as "Example Health <no-reply@example.org>"' })
  MAIL_FROM?: string;
  @IsOptional()
  @IsIn(['true', 'false'])
  LOCAL_SIGN_IN?: string;

  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(1_000_000)
  TOKEN_CACHE_MAX?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60_000)
  TOKEN_STATE_CACHE_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(1_000_000)
  CLIENT_CACHE_MAX?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60_000)
  CLIENT_CACHE_MS?: number;
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { enableImplicitConversion: true });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const messages = Object.values(error.constraints ?? {}).join('; ');
      return `  ${error.property}: ${messages}`;
    });
    throw new ConfigurationError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return env;
}
