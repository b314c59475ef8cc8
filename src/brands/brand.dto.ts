import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUrl, MaxLength, MinLength, ValidateNested } from 'class-validator';

// https only: the logo and portal are shown to patients by third-party apps (no javascript:, data:, http:).
const HTTPS = { protocols: ['https'], require_protocol: true, require_tld: false };

export class BrandIdentifierDto {
  @ApiPropertyOptional({ description: 'Identifier system, e.g. urn:ietf:rfc:3986' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  system?: string;

  @ApiProperty({ description: 'Identifier value, e.g. https://example.org (IG: the primary web address without "www.")' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  value: string;
}

/** The operator's brand (SMART App Launch 2.2 "User-access Brands"); PUT replaces it whole. */
export class BrandDto {
  @ApiProperty({ description: 'Organization.name shown to patients' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ description: 'Brand logo (https)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsUrl(HTTPS, { message: 'logo_url must be an https URL' })
  logo_url?: string;

  @ApiProperty({ description: 'Patient portal URL (https); also Organization.telecom (url)' })
  @IsString()
  @MaxLength(2000)
  @IsUrl(HTTPS, { message: 'portal_url must be an https URL' })
  portal_url: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  portal_name?: string;

  @ApiPropertyOptional({ description: 'Markdown shown by apps' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  portal_description?: string;

  @ApiPropertyOptional({ type: [BrandIdentifierDto], maxItems: 10, description: 'The first is advertised as user_access_brand_identifier' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => BrandIdentifierDto)
  identifiers?: BrandIdentifierDto[];

  @ApiPropertyOptional({ type: [String], maxItems: 20 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(200, { each: true })
  aliases?: string[];
}
