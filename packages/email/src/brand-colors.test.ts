import { describe, expect, it } from 'vitest';
import { refusedBrandColor } from './brand-colors';

describe('refusedBrandColor', () => {
  it('takes a colour that white text reads on at 4.5:1 or more', () => {
    expect(refusedBrandColor('#4f46e5')).toBeNull();
    expect(refusedBrandColor('#767676')).toBeNull(); // 4.54:1
  });

  it('refuses a light colour, saying the ratio it reached and the one it needs', () => {
    expect(refusedBrandColor('#FFE066')).toBe(
      'white text on #FFE066 is 1.3:1; buttons need at least 4.5:1 (WCAG AA)',
    );
    // 4.47:1 is cut, not rounded up, so it never reads as the bar it missed.
    expect(refusedBrandColor('#777777')).toContain('is 4.4:1');
  });

  it('refuses what is not a hex colour', () => {
    expect(refusedBrandColor('red')).toContain('expected a colour like #4f46e5');
    expect(refusedBrandColor('#12345g')).toContain('expected a colour');
  });
});
