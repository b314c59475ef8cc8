import { DynamicModule, Module } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { KeysModule } from '../keys/keys.module';
import { AccessTokenVerifier } from './access-token-verifier';
import { IntrospectionAccessTokenVerifier } from './introspection-access-token.verifier';
import { JwksAccessTokenVerifier } from './jwks-access-token.verifier';
import { LocalAccessTokenVerifier } from './local-access-token.verifier';
import { RemoteAccessTokenOptions } from './remote-access-token.options';
import { RevocationModule } from '../revocation/revocation.module';
import { ClientsModule } from '../clients/clients.module';

/**
 * Provides the `AccessTokenVerifier`. Modules that verify access tokens import `AccessTokensModule.forThisServer()`
 * (this server's keys and revocation list; the same object each time, so the process has one verifier and one
 * cache); `FhirAuthModule.forRoot` in another resource server imports `forRemote(options)` (a JWKS or /introspect).
 */
@Module({})
export class AccessTokensModule {
  private static local: DynamicModule | undefined;

  static forThisServer(): DynamicModule {
    // Revocation and token holders come from RevocationModule and ClientsModule.
    AccessTokensModule.local ??= {
      module: AccessTokensModule,
      imports: [ClientsModule, RevocationModule, KeysModule],
      providers: [Clock, LocalAccessTokenVerifier, { provide: AccessTokenVerifier, useExisting: LocalAccessTokenVerifier }],
      exports: [AccessTokenVerifier],
    };
    return AccessTokensModule.local;
  }

  static forRemote(options: RemoteAccessTokenOptions): DynamicModule {
    const { introspection, jwksUri } = options;
    if (!introspection && !jwksUri) throw new Error('A remote access-token verifier needs jwksUri or introspection');
    return {
      module: AccessTokensModule,
      providers: [
        {
          provide: AccessTokenVerifier,
          useFactory: (): AccessTokenVerifier =>
            // Introspection answers `active: false` for revoked tokens, so it is preferred when both are given.
            introspection
              ? new IntrospectionAccessTokenVerifier({ ...options, introspection })
              : new JwksAccessTokenVerifier({ ...options, jwksUri: jwksUri as string }),
        },
      ],
      exports: [AccessTokenVerifier],
    };
  }
}
