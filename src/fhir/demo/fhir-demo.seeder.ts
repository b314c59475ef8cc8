import { Injectable, Logger } from '@nestjs/common';
import { OperationOutcomeError } from '../../fhir-auth';
import { FhirResourceRepository } from '../store/fhir-resource.repository';
import { DEMO_CONDITIONS, DEMO_MEDICATIONS, DEMO_OBSERVATIONS } from './demo-clinical';
import { DEMO_PEOPLE } from './demo-people';

export const DEMO_FHIR_RESOURCES: ReadonlyArray<Record<string, unknown>> = [
  ...DEMO_PEOPLE,
  ...DEMO_OBSERVATIONS,
  ...DEMO_CONDITIONS,
  ...DEMO_MEDICATIONS,
];

/** Demo FHIR data that exercises every scope rule; idempotent (resources that exist are left alone). */
@Injectable()
export class FhirDemoSeeder {
  private readonly logger = new Logger(FhirDemoSeeder.name);

  constructor(private readonly repository: FhirResourceRepository) {}

  async seed(): Promise<number> {
    let created = 0;
    for (const resource of DEMO_FHIR_RESOURCES) {
      const { resourceType, id } = resource as { resourceType: string; id: string };
      if (await this.repository.findCurrent(resourceType, id)) continue;
      try {
        await this.repository.write(resourceType, id, 'PUT', () => resource);
        created += 1;
      } catch (error) {
        // Processes starting together on one database seed the same ids; the one that lost the race has nothing to do.
        if (error instanceof OperationOutcomeError && error.status === 409) continue;
        throw error;
      }
    }
    if (created > 0) this.logger.log(`Seeded ${created} demo FHIR resources`);
    return created;
  }
}
