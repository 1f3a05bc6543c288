// A hand-written abstract and an explanation that meets every v1 rule, for unit tests to break one rule at a time.
import type { ValidationInput } from '../../../src/pipeline/validate/types';

export const abstract =
  'Using ALMA observations at 1.3 mm, we detect a narrow ring of dust at 45 au around the young star HD 163296. ' +
  'The ring has a width of 5.6 per cent of its radius and contains a dust mass of $10^{-4}\\,M_\\odot$. ' +
  'We find that a planet of 0.5 Jupiter masses can carve the observed gap within $10^{5}$ years, ' +
  'and that two other gaps may host further planets.';

export const paragraphs = [
  'Young stars are surrounded by flat disks of gas and dust, the material from which planets are assembled. ' +
    'Around the star HD 163296, radio images taken by ALMA at a wavelength of 1.3 mm reveal a bright, narrow ' +
    'ring of dust sitting about 45 au from the centre.',
  'A protoplanetary disk is the rotating reservoir of gas and solid grains left over from star formation. ' +
    'A gap is a lane where the density of dust drops sharply. A dust ring is a band where solid grains pile up ' +
    'because they drift toward a local maximum of gas pressure.',
  'A forming planet exerts gravitational torques on the surrounding gas and pushes it away from its orbit. ' +
    'The gas pressure then peaks just outside the cleared lane, and drifting grains stall there, so dust ' +
    'accumulates into a thin ring while the lane itself empties.',
  'The ring is only about 5.6% as wide as its distance from the star, and it holds roughly 0.0001 solar masses ' +
    'of dust. A planet with half the mass of Jupiter could open such a gap in about 100,000 years. ' +
    'Two further gaps suggest that more unseen planets may be shaping this disk.',
];

export const explanation = paragraphs.join('\n\n');

export function input(overrides: Partial<ValidationInput> = {}): ValidationInput {
  return { id: '2501.01234', expectedId: '2501.01234', abstract, explanation, ...overrides };
}
