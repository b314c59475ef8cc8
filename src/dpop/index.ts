export {
  accessTokenHash,
  DPOP_SIGNING_ALGS,
  DpopProofError,
  DpopProofVerifier,
  MemoryDpopReplayStore,
  type DpopReplayStore,
  type VerifiedDpopProof,
} from './dpop-proof.verifier';
