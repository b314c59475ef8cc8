import { DynamicModule, Module } from '@nestjs/common';
import { AccountModule } from './account';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { BrandsModule } from './brands/brands.module';
import { AuthorizeModule } from './authorize/authorize.module';
import { ClientsModule } from './clients/clients.module';
import { HttpModule } from './common/http/http.module';
import { LoggingModule } from './common/logging/logging.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DiscoveryModule } from './discovery/discovery.module';
import { FederationModule } from './federation';
import { FhirModule } from './fhir/fhir.module';
import { GrantsModule } from './grants/grants.module';
import { HealthModule } from './health/health.module';
import { IntrospectionModule } from './introspection/introspection.module';
import { UserinfoModule } from './userinfo/userinfo.module';
import { KeysModule } from './keys/keys.module';
import { PasskeysModule } from './passkeys';
import { ResourceServersModule } from './resource-servers/resource-servers.module';
import { RevocationModule } from './revocation/revocation.module';
import { SeedModule } from './seed/seed.module';
import { TokenModule } from './token/token.module';

// Feature modules, by protocol surface.
const FEATURE_MODULES = [
  KeysModule,
  RevocationModule,
  HealthModule,
  ClientsModule,
  AdminModule,
  SeedModule,
  GrantsModule,
  AuthorizeModule,
  AuditModule,
  TokenModule,
  IntrospectionModule,
  UserinfoModule,
  FhirModule,
  ResourceServersModule,
  BrandsModule,
  PasskeysModule,
  AccountModule,
  FederationModule,
];

@Module({})
export class AppModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule, LoggingModule, HttpModule, DatabaseModule.forUrl(databaseUrl), DiscoveryModule, ...FEATURE_MODULES],
    };
  }
}
