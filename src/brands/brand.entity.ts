import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The operator's user-access brand (SMART App Launch 2.2 "User-access Brands"): one row, id 1. */
@Entity('user_access_brand')
export class BrandEntity {
  @PrimaryColumn('integer', { primaryKeyConstraintName: 'PK_user_access_brand' })
  id: number;

  /** BrandSettings, validated by the admin DTO / CLI before it is stored. */
  @Column('jsonb')
  settings: BrandSettings;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}

export interface BrandIdentifier {
  system?: string;
  value: string;
}

export interface BrandSettings {
  name: string;
  logoUrl?: string;
  portalUrl: string;
  portalName?: string;
  portalDescription?: string;
  identifiers: BrandIdentifier[];
  aliases: string[];
}
