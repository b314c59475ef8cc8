import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class CreateResourceServerDto {
  @ApiProperty({
    example: 'https://labs.example.org/fhir',
    description: 'The URL apps send as aud or resource (https; http only for loopback outside production)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  base_url: string;

  @ApiPropertyOptional({ description: 'The aud claim of its access tokens; the base URL when omitted' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  audience?: string;

  @ApiProperty({
    example: 'patient/Observation.rs user/Observation.rs system/Observation.rs',
    description: 'The most a token for this server may carry (resource scopes)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  scope: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateResourceServerDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  base_url?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  audience?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  scope?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
