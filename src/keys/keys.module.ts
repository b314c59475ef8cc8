import { Module } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { JwksController } from './jwks.controller';
import { KeysService } from './keys.service';
import { SigningKeyRepository } from './signing-key.repository';

@Module({
  controllers: [JwksController],
  providers: [Clock, KeysService, SigningKeyRepository],
  exports: [KeysService],
})
export class KeysModule {}
