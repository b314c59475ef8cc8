import { Module } from '@nestjs/common';
import { ClientAssertionJtiRepository } from '../clients/authentication/client-assertion-jti.repository';
import { DpopProofVerifier } from './dpop-proof.verifier';
import { ClientsModule } from '../clients/clients.module';

// RFC 9449 DPoP proof verification. Replays are recorded in the durable jti table the clients module keeps for
// client assertions (namespaced `dpop:<jkt>`): every process sharing the database sees every proof once.
@Module({
  imports: [ClientsModule],
  providers: [
    {
      provide: DpopProofVerifier,
      inject: [ClientAssertionJtiRepository],
      useFactory: (seen: ClientAssertionJtiRepository) => new DpopProofVerifier(seen),
    },
  ],
  exports: [DpopProofVerifier],
})
export class DpopModule {}
