/**
 * The fastest backends that follow Tincan's rules: WebCrypto Ed25519 and X25519 where the browser has them
 * (native, non-extractable signing key), else the noble and tweetnacl fallbacks.
 */
import {
  type Ed25519Backend,
  nobleEd25519,
  supportsWebCryptoEd25519,
  webCryptoEd25519,
} from '../../crypto/ed25519.ts';
import {
  supportsWebCryptoX25519,
  tweetnaclX25519,
  webCryptoX25519,
  type X25519Backend,
} from '../../crypto/x25519.ts';

let chosen: Promise<Ed25519Backend> | undefined;
let chosenX25519: Promise<X25519Backend> | undefined;

export function ed25519Backend(
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): Promise<Ed25519Backend> {
  chosen ??= supportsWebCryptoEd25519(subtle).then((native) =>
    native && subtle ? webCryptoEd25519(subtle) : nobleEd25519,
  );
  return chosen;
}

export function x25519Backend(
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): Promise<X25519Backend> {
  chosenX25519 ??= supportsWebCryptoX25519(subtle).then((native) =>
    native && subtle ? webCryptoX25519(subtle) : tweetnaclX25519,
  );
  return chosenX25519;
}
