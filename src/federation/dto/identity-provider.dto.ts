import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

// Fields of both types; which apply is checked against `type` (identity-provider-input.ts), and an ldap field
// sent for an oidc provider (or the reverse) is refused with 400.
export class UpdateIdentityProviderDto {
  @ApiPropertyOptional({ description: 'Cannot change after creation (400)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  id?: string;

  @ApiPropertyOptional({ enum: ['oidc', 'ldap'], description: 'Cannot change after creation (400)' })
  @IsOptional()
  @IsIn(['oidc', 'ldap'])
  type?: 'oidc' | 'ldap';

  @ApiPropertyOptional({ example: 'Hospital sign-in', description: 'Shown on the sign-in page as "Sign in with …"' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  display_name?: string;

  @ApiPropertyOptional({ default: true, description: 'Disabling ends the sign-in sessions the provider began' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    enum: ['create', 'link-only'],
    default: 'link-only',
    description: 'create: a first sign-in creates the user; link-only: only people an operator linked',
  })
  @IsOptional()
  @IsIn(['create', 'link-only'])
  provisioning?: 'create' | 'link-only';

  @ApiPropertyOptional({ example: { clinicians: 'practitioner' }, description: 'Upstream group → role (patient or practitioner)' })
  @IsOptional()
  @IsObject()
  role_map?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: ['patient', 'practitioner'],
    nullable: true,
    default: null,
    description: 'Role of people in no mapped group; null (default) refuses them',
  })
  @IsOptional()
  @IsIn(['patient', 'practitioner'])
  default_role?: 'patient' | 'practitioner' | null;

  @ApiPropertyOptional({
    example: { resource_type: 'Practitioner', identifier_system: 'urn:oid:2.16.840.1.113883.4.6' },
    nullable: true,
    description: 'Find fhirUser by the mapped claim as an identifier in the FHIR store',
  })
  @IsOptional()
  @IsObject()
  fhir_user_lookup?: Record<string, unknown> | null;

  // OIDC
  @ApiPropertyOptional({
    example: 'https://idp.example.org',
    description: 'oidc: the issuer (discovery at {issuer}/.well-known/openid-configuration)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  issuer?: string;

  @ApiPropertyOptional({ description: "oidc: this server's client_id at the provider" })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  client_id?: string;

  @ApiPropertyOptional({ writeOnly: true, description: 'oidc: write-only; the record shows client_secret_set' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  client_secret?: string;

  @ApiPropertyOptional({
    enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    default: 'client_secret_basic',
    description: 'oidc: private_key_jwt publishes a generated key at jwks_uri',
  })
  @IsOptional()
  @IsIn(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

  @ApiPropertyOptional({ default: 'openid profile email' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  scopes?: string;

  @ApiPropertyOptional({
    example: { username: 'preferred_username', display_name: 'name', fhir_user: 'fhirUser', roles: 'groups', email: 'email' },
  })
  @IsOptional()
  @IsObject()
  claims?: Record<string, unknown>;

  @ApiPropertyOptional({
    default: false,
    description: 'oidc: the provider may be on a private network (loopback, RFC 1918); never link-local or metadata',
  })
  @IsOptional()
  @IsBoolean()
  allow_private_network?: boolean;

  // LDAP
  @ApiPropertyOptional({ example: 'ldaps://dc.example.org' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  url?: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  start_tls?: boolean;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  bind_dn?: string | null;

  @ApiPropertyOptional({ writeOnly: true, nullable: true, description: 'ldap: write-only; the record shows bind_password_set' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  bind_password?: string | null;

  @ApiPropertyOptional({ example: 'ou=people,dc=example,dc=org' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  user_base?: string;

  @ApiPropertyOptional({ example: '(sAMAccountName={username})' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  user_filter?: string;

  @ApiPropertyOptional({ example: { username: 'sAMAccountName', display_name: 'displayName', fhir_user: 'employeeNumber', email: 'mail' } })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  group_base?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  group_filter?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  group_name_attribute?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(65536)
  tls_ca_pem?: string | null;

  @ApiPropertyOptional({ default: 5000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60000)
  timeout_ms?: number;
}

export class CreateIdentityProviderDto extends UpdateIdentityProviderDto {
  @ApiProperty({ example: 'hospital-sso', description: 'Slug (lower-case letters, digits, -); part of the redirect URI' })
  @IsString()
  @MaxLength(64)
  declare id: string;

  @ApiProperty({ enum: ['oidc', 'ldap'] })
  @IsIn(['oidc', 'ldap'])
  declare type: 'oidc' | 'ldap';
}

export class LinkIdentityDto {
  @ApiProperty({ description: "The upstream's immutable identifier: OIDC sub at the issuer; LDAP entryUUID / objectGUID" })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  subject: string;

  @ApiProperty({ description: 'The user here' })
  @IsString()
  @MaxLength(64)
  user_id: string;
}
