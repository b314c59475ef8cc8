import { UserEntity } from '../clients/user.entity';

export function adminUserView(user: UserEntity): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    display_name: user.displayName,
    fhir_user: user.fhirUser,
    role: user.role,
    restricted_to_patients: user.restrictedToPatients,
    enabled: user.enabled,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
