import { Module } from '@nestjs/common';
import { JwksController } from './jwks.controller';
import { KeysService } from './keys.service';
import { SigningKeyRepository } from './signing-key.repository';

@Module({
  controllers: [JwksController],
  providers: [KeysService, SigningKeyRepository],
  exports: [KeysService],
})
export class KeysModule {}
