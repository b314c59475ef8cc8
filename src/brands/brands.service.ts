import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { createHash } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { AuditActor, AuditService, OPERATOR } from '../audit/audit.service';
import { isStorableText } from '../common/text/control-characters';
import { AppConfig } from '../config/app-config';
import { DiscoveryRegistry } from '../discovery/discovery-registry';
import { BrandDto } from './brand.dto';
import { BrandEntity, BrandSettings } from './brand.entity';
import { buildBrandBundle } from './brand-bundle';

export const BRAND_BUNDLE_PATH = '/brands.json';
const ROW_ID = 1;
// The CLI writes the row from another process; the server picks the change up within this interval.
const RELOAD_MS = 30_000;

export class InvalidBrandError extends Error {
  constructor(readonly messages: string[]) {
    super(messages.join('; '));
  }
}

export interface PublishedBrand {
  settings: BrandSettings;
  updatedAt: Date;
  body: string;
  etag: string;
}

@Injectable()
export class BrandsService implements OnApplicationBootstrap, OnModuleDestroy {
  private published: PublishedBrand | null = null;
  private timer?: NodeJS.Timeout;
  private readonly brands: Repository<BrandEntity>;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly registry: DiscoveryRegistry,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.brands = dataSource.getRepository(BrandEntity);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.registry.contribute('brands', () => this.contribution());
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), RELOAD_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The Bundle as served, or null when no brand is configured. */
  current(): PublishedBrand | null {
    return this.published;
  }

  async read(): Promise<BrandSettings | null> {
    return (await this.brands.findOneBy({ id: ROW_ID }))?.settings ?? null;
  }

  /** Validates (the CLI has no ValidationPipe) and replaces the brand; the change commits with its audit event. */
  async save(input: unknown, by: AuditActor = OPERATOR): Promise<BrandSettings> {
    const dto = plainToInstance(BrandDto, input ?? {});
    const errors = await validate(dto, { whitelist: true, forbidUnknownValues: false });
    if (errors.length) throw new InvalidBrandError(errors.flatMap(messagesOf));
    // Shown to patients by other people's apps: printable text only (the markdown description may break lines).
    const texts = [
      dto.name,
      dto.logo_url,
      dto.portal_url,
      dto.portal_name,
      ...(dto.aliases ?? []),
      ...(dto.identifiers ?? []).flatMap((id) => [id.system, id.value]),
    ];
    if (
      texts.some((text) => text !== undefined && !isStorableText(text)) ||
      (dto.portal_description !== undefined && !isStorableText(dto.portal_description.replace(/[\n\r\t]/g, ' ')))
    ) {
      throw new InvalidBrandError(['brand text may not contain control characters']);
    }
    const settings: BrandSettings = {
      name: dto.name,
      logoUrl: dto.logo_url,
      portalUrl: dto.portal_url,
      portalName: dto.portal_name,
      portalDescription: dto.portal_description,
      identifiers: (dto.identifiers ?? []).map((id) => (id.system ? { system: id.system, value: id.value } : { value: id.value })),
      aliases: dto.aliases ?? [],
    };
    await this.audit.transaction(async (manager) => {
      await manager.getRepository(BrandEntity).upsert({ id: ROW_ID, settings, updatedAt: new Date() }, ['id']);
      await this.audit.record(
        { event: 'brand_updated', outcome: 'success', ip: by.ip, detail: { by: by.actor, name: settings.name } },
        manager,
      );
    });
    await this.reload();
    return settings;
  }

  async remove(by: AuditActor = OPERATOR): Promise<boolean> {
    const removed = await this.audit.transaction(async (manager) => {
      const result = await manager.getRepository(BrandEntity).delete({ id: ROW_ID });
      if ((result.affected ?? 0) === 0) return false;
      await this.audit.record({ event: 'brand_deleted', outcome: 'success', ip: by.ip, detail: { by: by.actor } }, manager);
      return true;
    });
    await this.reload();
    return removed;
  }

  async reload(): Promise<void> {
    const row = await this.brands.findOneBy({ id: ROW_ID });
    const before = this.published;
    if (!row) {
      this.published = null;
    } else if (!before || before.updatedAt.getTime() !== row.updatedAt.getTime()) {
      const body = JSON.stringify(buildBrandBundle(row.settings, row.updatedAt, this.config));
      // IG brands: servers SHOULD send a weak ETag.
      this.published = {
        settings: row.settings,
        updatedAt: row.updatedAt,
        body,
        etag: `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      };
    }
    if (before !== this.published) this.registry.contribute('brands', () => this.contribution());
  }

  // SMART 2.2 §Discovery: user_access_brand_bundle and user_access_brand_identifier (the first identifier,
  // which matches exactly one Organization.identifier: the Bundle holds one brand).
  private contribution() {
    const brand = this.published?.settings;
    if (!brand) return {};
    return {
      smartConfiguration: {
        user_access_brand_bundle: this.config.url(BRAND_BUNDLE_PATH),
        user_access_brand_identifier: brand.identifiers[0],
      },
    };
  }
}

function messagesOf(error: import('class-validator').ValidationError): string[] {
  const own = Object.values(error.constraints ?? {});
  return [...own, ...(error.children ?? []).flatMap(messagesOf)];
}
