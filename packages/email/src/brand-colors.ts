import { colord, extend } from 'colord';
import a11yPlugin from 'colord/plugins/a11y';

extend([a11yPlugin]);

/** WCAG 2 AA for normal text: every text Herald draws on or in the brand colour meets it. */
export const MIN_TEXT_CONTRAST = 4.5;

const WHITE = '#ffffff';
const INK = '#1f2328';
/** The mail's page background, behind the organization's name in the header. */
const PAGE_BACKGROUND = '#f3f4f6';

export interface BrandColors {
  /** The colour as set: the accent bar and the button's background. */
  brand_color: string;
  /** Text on the brand colour (the button's label): white, or ink when white would not read. */
  brand_text_color: string;
  /** The brand colour as text on white and on the page (links, the name in the header), darkened until it reads. */
  brand_link_color: string;
}

/**
 * Colours derived from an organization's brand colour so that every text meets 4.5:1: a light
 * brand colour (#FFE066) gets a dark button label, and its links are darkened. The colour
 * itself is never refused: a brand is what it is, Herald only picks readable text for it.
 */
export function brandColorsOf(brandColor: string): BrandColors {
  let colors = derived.get(brandColor);
  if (!colors) {
    colors = deriveColors(brandColor);
    // Organizations have one colour each: this only bounds a misuse.
    if (derived.size >= MAX_DERIVED) derived.clear();
    derived.set(brandColor, colors);
  }
  return colors;
}

const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

/**
 * Why the console refuses this brand colour, or null when it takes it: the console's own buttons
 * draw white text on it, so it must reach 4.5:1 against white. (Mails take any stored colour,
 * see brandColorsOf; the ratio is cut, not rounded, to one decimal so 4.47 reads as 4.4, not 4.5.)
 */
export function refusedBrandColor(color: string): string | null {
  if (!HEX_COLOR.test(color)) return `expected a colour like #4f46e5 (got "${color}")`;
  const ratio = colord(color).contrast(WHITE);
  if (ratio >= MIN_TEXT_CONTRAST) return null;
  const shown = (Math.floor(ratio * 10) / 10).toFixed(1);
  return `white text on ${color} is ${shown}:1; buttons need at least ${MIN_TEXT_CONTRAST}:1 (WCAG AA)`;
}

/** Derived once per colour: every mail of an organization needs the same three. */
const derived = new Map<string, BrandColors>();
const MAX_DERIVED = 1_000;

function deriveColors(brandColor: string): BrandColors {
  const brand = colord(brandColor);
  const onBrand =
    [WHITE, INK, '#000000'].find((text) => brand.contrast(text) >= MIN_TEXT_CONTRAST) ?? '#000000';
  let link = brand;
  for (let step = 0; step < 20 && link.contrast(PAGE_BACKGROUND) < MIN_TEXT_CONTRAST; step++)
    link = link.darken(0.05);
  return {
    brand_color: brandColor,
    brand_text_color: onBrand,
    brand_link_color: link.contrast(PAGE_BACKGROUND) >= MIN_TEXT_CONTRAST ? link.toHex() : INK,
  };
}
