import { generateKeyPairSync, randomBytes } from 'node:crypto';

/**
 * The service-account key pair: the apiserver signs tokens with the private key
 * (--service-account-signing-key-file), verifies them with the public one (--service-account-key-file),
 * and the controller-manager needs the private key too (the legacy token controller). RSA 2048 is what
 * kubeadm generates; each cluster gets its own, so a token from one cluster is refused by the other.
 */
export const serviceAccountKeyPair = (): { privateKeyPem: string; publicKeyPem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

/** A bearer token for the static token file: 32 random bytes, URL-safe (no commas, the file is CSV). */
export const randomToken = (): string => randomBytes(32).toString('base64url');
