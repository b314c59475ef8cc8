import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../clients/password-policy';

const FHIR_USER = /^(Patient|Practitioner|PractitionerRole|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/;
const FHIR_USER_MESSAGE = 'fhir_user must be a relative reference such as Practitioner/123 or Patient/abc';
const PASSWORD_DESCRIPTION =
  `${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters, no composition rules; refused when it is a common or breached ` +
  'password, repetitive or sequential, or contains the username, the e-mail address or the service name (NIST SP 800-63B §5.1.1.2)';
const EMAIL_DESCRIPTION = 'Where password reset links are sent; unique regardless of case';

export class CreateUserDto {
  @ApiProperty()
  @Matches(/^[A-Za-z0-9._@-]{1,100}$/, { message: 'username may contain letters, digits and . _ @ - (at most 100)' })
  username: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, description: PASSWORD_DESCRIPTION })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;

  @ApiPropertyOptional({ format: 'email', maxLength: 254, nullable: true, description: EMAIL_DESCRIPTION })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  display_name: string;

  @ApiProperty({ example: 'Practitioner/example-practitioner-1' })
  @Matches(FHIR_USER, { message: FHIR_USER_MESSAGE })
  fhir_user: string;

  @ApiProperty({ enum: ['patient', 'practitioner'] })
  @IsIn(['patient', 'practitioner'])
  role: 'patient' | 'practitioner';

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    maxItems: 100,
    description: 'Patient ids a practitioner may see (at most 100; carried in every access token); any when null',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  restricted_to_patients?: string[] | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateUserDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  display_name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(FHIR_USER, { message: FHIR_USER_MESSAGE })
  fhir_user?: string;

  @ApiPropertyOptional({ enum: ['patient', 'practitioner'] })
  @IsOptional()
  @IsIn(['patient', 'practitioner'])
  role?: 'patient' | 'practitioner';

  @ApiPropertyOptional({ type: [String], nullable: true, maxItems: 100 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  restricted_to_patients?: string[] | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ format: 'email', maxLength: 254, nullable: true, description: `${EMAIL_DESCRIPTION}; null removes it` })
  @ValidateIf((dto: UpdateUserDto) => dto.email !== null)
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;
}

export class ResetPasswordDto {
  @ApiPropertyOptional({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: `The new password (${PASSWORD_DESCRIPTION}); generated and returned once when omitted`,
  })
  @IsOptional()
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password?: string;
}
