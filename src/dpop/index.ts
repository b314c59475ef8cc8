export { accessTokenHash, DPOP_SIGNING_ALGS, DpopProofError, DpopProofVerifier, type VerifiedDpopProof } from './dpop-proof.verifier';
