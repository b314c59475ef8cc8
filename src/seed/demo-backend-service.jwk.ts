// Public half of demo/keys/demo-backend-service.private.jwk.json (a demo-only key pair, published on purpose).
export const DEMO_BACKEND_SERVICE_PUBLIC_JWK = {
  kty: 'RSA',
  kid: 'demo-backend-service-rs384',
  alg: 'RS384',
  use: 'sig',
  e: 'AQAB',
  n:
    'jkj0GxzDv8qq4m2G7YtxgqhFt7qwrWb9xxM0-6rOOH0q_Kczoquz29-gRGiwYjDcKATHsRlNHHB_Y5ql0KHcRWI1-FOw2FLQIDlb' +
    '5qUXHj9G55W60QaM0lOXghhzGs05tMg6-W5VYP8TwLkGC7CbvaPS3NYjQQMsEapCzmliZ0f1FKxdrwyhwDGDb5myrDz6e1bXm0sV' +
    'IVfzmLda4-DZc-TfDqxNUnFM1U_lpN-naSu_fF4q57MlmQqmqE0p3SFrHFOWCpWX_bHTz7BjiGb1qpVg40GCGSdYv853NSLfNzVi' +
    'jeGuq4Ltgi_Ct_vyUhQCmPp8WNc1i3cTU4c9C2OhZQ',
};
