'use strict';

// The per-response checks the scenarios use, and the plans that hand out requests.
const { basicAuthorization, expectStatus, fixedPlan, FORM, introspection, json, pooledFormPlan, tokenResponse } = require('./plans');

describe('response checks', () => {
  it('tokenResponse wants a 200 whose JSON body has a string access_token', () => {
    expect(tokenResponse(200, '{"access_token":"abc","token_type":"Bearer"}')).toBe(true);
    expect(tokenResponse(400, '{"access_token":"abc"}')).toBe(false);
    expect(tokenResponse(201, '{"access_token":"abc"}')).toBe(false);
    expect(tokenResponse(200, '{"error":"invalid_client"}')).toBe(false);
    expect(tokenResponse(200, '{"access_token":42}')).toBe(false);
    expect(tokenResponse(200, 'not json')).toBe(false);
    expect(tokenResponse(200, '')).toBe(false);
  });

  it('introspection(active) wants a 200 with exactly that boolean', () => {
    expect(introspection(true)(200, '{"active":true,"scope":"x"}')).toBe(true);
    expect(introspection(true)(200, '{"active":false}')).toBe(false);
    expect(introspection(true)(200, '{"active":"true"}')).toBe(false);
    expect(introspection(false)(200, '{"active":false}')).toBe(true);
    expect(introspection(false)(200, '{}')).toBe(false);
    expect(introspection(false)(401, '{"active":false}')).toBe(false);
  });

  it('expectStatus checks the status, and the body when given a predicate', () => {
    expect(expectStatus(200)(200, 'anything')).toBe(true);
    expect(expectStatus(200)(204, '')).toBe(false);
    const fhir = expectStatus(200, (body) => !!json(body)?.resourceType);
    expect(fhir(200, '{"resourceType":"Patient"}')).toBe(true);
    expect(fhir(200, '{"id":"1"}')).toBe(false);
  });

  it('json returns undefined instead of throwing on a body that is not JSON', () => {
    expect(json('{"a":1}')).toEqual({ a: 1 });
    expect(json('<html>')).toBeUndefined();
  });
});

describe('basicAuthorization', () => {
  it('form-encodes id and secret before joining and base64-encoding them (RFC 6749 §2.3.1)', () => {
    const header = basicAuthorization('app one', 'p:ss%word');
    expect(header.startsWith('Basic ')).toBe(true);
    expect(Buffer.from(header.slice(6), 'base64').toString()).toBe('app+one:p%3Ass%25word');
  });
});

describe('plans', () => {
  it('fixedPlan sends the same request every time', async () => {
    const check = () => true;
    const plan = await fixedPlan({ path: '/jwks', check })(1234);
    expect(plan).toEqual({ requests: [{ method: 'GET', path: '/jwks', headers: {} }], check });
    const post = await fixedPlan({ method: 'POST', path: '/introspect', headers: { a: 'b' }, body: 'token=x', check })();
    expect(post.requests).toEqual([{ method: 'POST', path: '/introspect', headers: { a: 'b' }, body: 'token=x' }]);
  });

  it('pooledFormPlan asks for the requested number of bodies and hands each out once', async () => {
    const makeBodies = jest.fn(async (count) => Array.from({ length: count }, (_, index) => `n=${index}`));
    const plan = await pooledFormPlan({ path: '/token', headers: { authorization: 'Basic x' }, makeBodies, check: tokenResponse })(2);
    expect(makeBodies).toHaveBeenCalledWith(2);
    const [request] = plan.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/token', headers: { 'content-type': FORM, authorization: 'Basic x' } });
    expect(request.setupRequest({ path: '/token' })).toEqual({ path: '/token', body: 'n=0' });
    expect(request.setupRequest({ path: '/token' }).body).toBe('n=1');
    expect(plan.exhausted()).toBe(false);
    expect(plan.check).toBe(tokenResponse);
  });

  it('pooledFormPlan sends a body the server refuses once the pool is used up, and reports exhaustion', async () => {
    const plan = await pooledFormPlan({ path: '/token', makeBodies: async () => ['n=0'], check: tokenResponse })(1);
    const [request] = plan.requests;
    request.setupRequest({});
    expect(request.setupRequest({}).body).toBe('grant_type=pool_exhausted');
    expect(plan.exhausted()).toBe(true);
  });
});
