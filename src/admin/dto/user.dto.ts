import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

const FHIR_USER = /^(Patient|Practitioner|PractitionerRole|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/;
const FHIR_USER_MESSAGE = 'fhir_user must be a relative reference such as Practitioner/123 or Patient/abc';

export class CreateUserDto {
  @ApiProperty() @Matches(/^[A-Za-z0-9._@-]{1,100}$/, { message: 'username may contain letters, digits and . _ @ - (at most 100)' })
  username: string;

  @ApiProperty({ minLength: 8 }) @IsString() @MinLength(8) @MaxLength(1024)
  password: string;

  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200)
  display_name: string;

  @ApiProperty({ example: 'Practitioner/example-practitioner-1' }) @Matches(FHIR_USER, { message: FHIR_USER_MESSAGE })
  fhir_user: string;

  @ApiProperty({ enum: ['patient', 'practitioner'] }) @IsIn(['patient', 'practitioner'])
  role: 'patient' | 'practitioner';

  @ApiPropertyOptional({ type: [String], nullable: true, maxItems: 100, description: 'Patient ids a practitioner may see (at most 100; carried in every access token); any when null' })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true })
  restricted_to_patients?: string[] | null;

  @ApiPropertyOptional() @IsOptional() @IsBoolean()
  enabled?: boolean;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  display_name?: string;

  @ApiPropertyOptional() @IsOptional() @Matches(FHIR_USER, { message: FHIR_USER_MESSAGE })
  fhir_user?: string;

  @ApiPropertyOptional({ enum: ['patient', 'practitioner'] }) @IsOptional() @IsIn(['patient', 'practitioner'])
  role?: 'patient' | 'practitioner';

  @ApiPropertyOptional({ type: [String], nullable: true, maxItems: 100 }) @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true })
  restricted_to_patients?: string[] | null;

  @ApiPropertyOptional() @IsOptional() @IsBoolean()
  enabled?: boolean;
}

export class ResetPasswordDto {
  @ApiPropertyOptional({ description: 'The new password; generated and returned once when omitted' })
  @IsOptional() @IsString() @MinLength(8) @MaxLength(1024)
  password?: string;
}
