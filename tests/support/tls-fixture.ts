/**
 * A self-signed P-256 certificate for 127.0.0.1 and localhost, valid until 2126, for HTTPS/WSS tests only.
 * Made with: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 36500 -nodes
 *   -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1,DNS:localhost
 * The key protects nothing: it is public in this repository.
 */
export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUcr35QKigJzCsENdg6XAgwbEhVJcwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNTAwNDI0NFoYDzIxMjYxMTAx
MDA0MjQ0WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARYpCSlCr4z6RvsGxCnh1QbApXELPh/A7MeGDeucOrUsrD/Fi8h+TLM
PIoA/hAf5xrrIfs9sX5ieD8/iZJPsvgKo28wbTAdBgNVHQ4EFgQUabGSmMOjmd1e
nHMOLQBbWsFPl5MwHwYDVR0jBBgwFoAUabGSmMOjmd1enHMOLQBbWsFPl5MwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSAAwRQIhAK1xrz/FzI/caquBqG3ELHKtuVzC4IdAhvABkBD3Tlt5AiBu
MoOvFf91I1rviWa8C06KLVjPc4lS5ntZyqRB5xG4QA==
-----END CERTIFICATE-----
`;

export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1cEDPQsuDDtqCWB9
R71AyVdUCIa5lODsyeBWYFfzuN2hRANCAARYpCSlCr4z6RvsGxCnh1QbApXELPh/
A7MeGDeucOrUsrD/Fi8h+TLMPIoA/hAf5xrrIfs9sX5ieD8/iZJPsvgK
-----END PRIVATE KEY-----
`;
