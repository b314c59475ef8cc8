import { Module } from '@nestjs/common';
import { GrantsService } from './grants.service';
import { RevocationModule } from '../revocation/revocation.module';

@Module({ imports: [RevocationModule], providers: [GrantsService], exports: [GrantsService] })
export class GrantsModule {}
