/**
 * Call signalling bodies: what session envelopes of kinds callOffer, callAnswer, iceCandidate and callControl
 * carry. The envelope signs and seals them (crypto/envelope.ts), so the SDP inside an offer or answer IS the
 * signed SDP; this module makes each body say exactly one thing. Integers are big-endian, every length is
 * exact, nothing may follow the last field. The messenger wraps each payload in its padded body frame.
 *
 *   every body    | ver u8 = 1 | call id 16 | ...
 *
 *   callOffer (8)   | media u8 | purpose u8 | createdAt u64 ms | sas commitment 32 |
 *                   | fp n u8 | fingerprint n | sdp n u16 | sdp UTF-8 (1..MAX_CALL_SDP_BYTES) | [file] |
 *     file            (media 3 and purpose 0 only, else absent)
 *                     | size u64 (0..2^53-1) | n u8 | name UTF-8 (1..255) | n u8 | MIME type (0..127 printable ASCII) |
 *   callAnswer (9)  | purpose u8 | connects u8 | sas nonce 32 | fp n u8 | fingerprint n | sdp n u16 | sdp UTF-8 |
 *   iceCandidate (10) | count u8 (1..MAX_CANDIDATES_PER_BODY) | count × candidate |
 *     candidate       | m-line index u16 (0xffff: none) | mid n u8 | mid | ufrag n u8 | ufrag |
 *                     | candidate n u16 | candidate ASCII (0..MAX_CANDIDATE_BYTES; empty = end of candidates) |
 *   callControl (11)  | action u8 | argument (length fixed by the action: 0, 1 or 32 bytes) |
 *
 *   media:    1 audio, 2 video, 3 data (a file session: no camera, no microphone, one file offered)
 *   purpose:  0 the call itself (rings / accepts), 1 renegotiation
 *   connects: 0 the answering page may connect while it rings; 1 it connects only once the person accepts, so
 *             for the caller a verified DTLS handshake under this answer is the accept (always 0 in a
 *             renegotiation)
 *   fingerprint: the DTLS fingerprint in byte form (crypto/dtls-fingerprint.ts), which must equal the one
 *             the SDP's a=fingerprint lines name: the sender commits to it, the receiver's media gate
 *             compares it with the certificate the browser actually negotiated.
 *   actions:  1 ringing, 2 reject, 3 cancel, 4 busy, 5 hangup (argument: reason u8), 6 no-answer,
 *             7 ice-restart (asks the caller to restart ICE), 8 media (argument: flags u8),
 *             9 sas-reveal (argument: the caller's SAS nonce, 32 bytes), 10 accept (the person answered:
 *             an answer alone only sets up the connection, which may happen while it still rings)
 */
export * from './call-body.ts';
export { decodeCallBody } from './call-body-decode.ts';
export { candidateFits, encodeCallBody } from './call-body-encode.ts';
