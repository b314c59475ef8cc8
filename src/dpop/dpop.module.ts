import { Module } from '@nestjs/common';
import { DpopProofVerifier } from './dpop-proof.verifier';

// RFC 9449 DPoP proof verification; the replay records live in the clients module's jti table.
@Module({
  providers: [DpopProofVerifier],
  exports: [DpopProofVerifier],
})
export class DpopModule {}
