/** The shape every file in spec/vectors/*.json has. Case fields beyond label and comment are per module. */
export const VECTOR_LABELS = ['valid', 'invalid'] as const;
export type VectorLabel = (typeof VECTOR_LABELS)[number];

export interface VectorCase {
  label: VectorLabel;
  comment: string;
  [field: string]: unknown;
}

export interface VectorFile {
  about: string;
  /** Where the cases come from: this repo's generator (with its fixed seed), or a published source. */
  source: string;
  cases: VectorCase[];
}

/** A deterministic byte stream for generators: SHA-256 in counter mode over a fixed seed label. */
export { deterministicRandom } from '../../tests/support/deterministic-random.ts';
